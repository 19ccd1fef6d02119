"""Every finding code of every stage, in pipeline order, with the stages' titles, and their
summaries as plain text for the terminal."""

from __future__ import annotations

import json
import re
from contextlib import suppress
from pathlib import Path

from generator.files import write_atomically
from generator.findings import Code, Severity
from generator.fingerprints import code_hash

STAGE_TITLES = {
    "load": "Loading (YAML)",
    "schema": "Schema",
    "request": "Request rules",
    "repository": "Repository rules (across requests)",
    "data": "Reference data rules",
    "history": "History rules (against the base branch)",
    "records": "Frozen record rules (against the base branch)",
    "tree": "Working tree rules (what git tracks)",
    "approvals": "Approval rules (against the pull request's reviews on GitHub)",
}


def all_codes() -> dict[str, Code]:
    """Every finding code, in the order of the pipeline stages (from the stages' modules)."""
    from generator.check.load import CODES as LOAD_CODES
    from generator.check.rules import RULES
    from generator.check.schema import CODES as SCHEMA_CODES

    codes: dict[str, Code] = {**LOAD_CODES, **SCHEMA_CODES}
    for scope in ("request", "repository", "data", "history", "records", "tree", "approvals"):
        codes.update({c: r.code for c, r in sorted(RULES.items()) if r.scope == scope})
    return codes


def kept_codes(folder: Path) -> dict[str, Code]:
    """``all_codes()``, read from ``folder`` while certgen's code is the one they were written
    from (importing every rule module takes longer than ``certgen rules`` should)."""
    kept = folder / f"codes-{code_hash()[:16]}.json"
    try:
        rows = json.loads(kept.read_bytes())
        return {row["code"]: _code(row) for row in rows}
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not written yet, or damaged: made again
    codes = all_codes()
    rows = [
        {"code": c.code, "name": c.name, "severity": c.severity, "stage": c.stage, "doc": c.doc}
        for c in codes.values()
    ]
    with suppress(OSError):  # a read-only cache: made each time
        write_atomically(kept, json.dumps(rows).encode())
    return codes


def _code(row: dict[str, str]) -> Code:
    return Code(row["code"], row["name"], Severity(row["severity"]), row["stage"], row["doc"])


_MARKUP = re.compile(r"``(.+?)``|<(https?://[^>\s]+)>")


def summary_text(code: Code) -> str:
    """A code's summary (its docstring's whole first paragraph) as plain text: ``code`` in
    quotes, <URL> as the address; for a terminal, where markup would show as written."""
    return _MARKUP.sub(lambda m: f"'{m[1]}'" if m[1] is not None else m[2], code.summary)
