"""The catalogue of finding codes: unique, documented, and each with a case that fails."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.check.catalog import all_codes, kept_codes
from generator.check.rules import RULES
from generator.check.rules.registry import rule
from generator.findings import Severity
from generator.fingerprints import code_hash
from generator.website.guidance_pages import _render, _rule_stages
from tests.test_cases import EXPECTED

CODES = all_codes()
PREFIXES = {
    "load": "Y",
    "schema": "S",
    "data": "A",
    "history": "H",
    "records": "H",
    "tree": "W",
    "approvals": "H",
}
NOT_FROM_CASE_FILES = {
    "S011": "fallback for schema keywords the schemas do not use yet; see test_schema.py",
    "H901": "needs a git history: see test_review.py",
    "H902": "needs a git history: see test_review.py",
    "H903": "needs a git history: see test_review.py",
    "H904": "needs a git history: see test_review.py",
    "W801": "needs a git repository: see test_review.py",
    "H907": "needs a git history: see test_approvals.py",
    "H910": "needs a pull request's reviews: see test_approvals.py",
    "H911": "needs a pull request's reviews: see test_approvals.py",
    "H912": "needs a pull request's reviews: see test_approvals.py",
    "H905": "needs a git history: see test_frozen.py",
    "H906": "needs a git history: see test_frozen.py",
    "R123": "the case harness freezes issued cases as certgen issue would; see test_frozen.py",
    "R124": "needs a damaged file in records/: see test_frozen.py",
}


def test_codes_have_the_stable_form() -> None:
    for code, entry in CODES.items():
        assert re.fullmatch(r"[A-Z][0-9]{3}", code), code
        assert entry.code == code
        expected_prefix = PREFIXES.get(entry.stage)
        if expected_prefix:
            assert code.startswith(expected_prefix), code
        else:
            assert code[0] in "RPGTDE", code


def test_names_are_unique_snake_case() -> None:
    names = [c.name for c in CODES.values()]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)


def test_registering_a_code_twice_fails() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        rule("P201")(lambda context: iter(()))


@pytest.mark.parametrize("code", sorted(CODES))
def test_code_is_documented(code: str) -> None:
    """What is wrong (summary line), why (a paragraph) and how to fix it (a Fix: paragraph)."""
    doc = CODES[code].doc
    paragraphs = [p for p in doc.split("\n\n") if p.strip()]
    assert len(paragraphs) >= 2, code
    assert paragraphs[0].strip().endswith("."), code
    assert any(p.strip().startswith("Fix:") for p in paragraphs), code
    assert CODES[code].severity in (Severity.ERROR, Severity.WARNING)


def test_every_code_cites_its_source() -> None:
    """One non-empty Source: paragraph (a CFR section, an AMS page, an arrangement, certifier
    policy with its data key, or certgen's own integrity), just before the Fix: paragraph."""
    missing = []
    for code, entry in CODES.items():
        paragraphs = [p.strip() for p in entry.doc.split("\n\n") if p.strip()]
        sources = [i for i, p in enumerate(paragraphs) if p.startswith("Source:")]
        following = paragraphs[sources[0] + 1 :] if len(sources) == 1 else []
        cited = sources and paragraphs[sources[0]].removeprefix("Source:").strip()
        if not cited or not following or not following[0].startswith("Fix:"):
            missing.append(code)
    assert not missing, f"codes without one Source: paragraph before Fix: {missing}"


def test_rule_reference_shows_whole_summaries_sources_and_code() -> None:
    page = _render("reference/rules.md.j2", stages=_rule_stages())
    cited = [c for c in CODES.values() if "\nSource:" in c.doc]
    assert page.count("\n**Source:** ") == len(cited)
    assert "``" not in page and "requests/&lt;year&gt;/&lt;id&gt;" in page
    assert "**An issued record carries the official number of a document that lives in OID" in page
    assert "`records/<year>/<id>.json`" in page


def test_every_code_has_a_failing_case() -> None:
    covered = {entry.split()[-1] for entries in EXPECTED.values() for entry in entries}
    missing = set(CODES) - covered - set(NOT_FROM_CASE_FILES)
    assert not missing, f"codes without an invalid case: {sorted(missing)}"


def test_every_rule_is_in_the_catalogue() -> None:
    assert set(RULES) <= set(CODES)


def test_the_kept_codes_are_the_codes(tmp_path: Path) -> None:
    """certgen rules reads the codes from the cache: the same codes, made again when the
    kept file is damaged, and kept under a name of certgen's code (another code, another
    file)."""
    assert kept_codes(tmp_path) == CODES  # written
    (kept,) = tmp_path.glob("codes-*.json")
    assert kept.name == f"codes-{code_hash()[:16]}.json"
    assert kept_codes(tmp_path) == CODES  # read
    kept.write_text("[{]")
    assert kept_codes(tmp_path) == CODES  # made again
    assert json.loads(kept.read_text())[0]["code"] == next(iter(CODES))
