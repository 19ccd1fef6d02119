"""Trade arrangements as effective-dated terms: the terms in force on the departure date decide
what a certificate says and which products qualify; amendments after departure keep what left.

Each boundary is crossed with real data (data/destinations.yaml) through decide() and the
check: Taiwan before and after the 2020 AIT/TECRO arrangement, Great Britain's box 2 before
and after 2023-09-01, Japan's livestock products before and after 2020-07-16, the EU after
its Article 48 recognition ends."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from generator.check.decide import decide
from generator.check.load import load_file
from generator.check.reference_data import (
    build_reference,
    data_paths,
    data_schemas,
    load_data_documents,
)
from generator.check.request import Request
from tests.helpers import CASES, ROOT, case_findings


@pytest.fixture(scope="module")
def ref():
    paths = data_paths(ROOT / "data")
    documents, findings = load_data_documents(
        paths, {name: str(path) for name, path in paths.items()}, data_schemas(ROOT / "schemas")
    )
    assert findings == []
    return build_reference(documents)


def _request(tmp_path: Path, case: str, departure: str, **replace: str) -> Request:
    """A valid case with another departure date (and request date a fortnight before)."""
    text = (CASES / "valid" / case).read_text("utf-8")
    text = re.sub(r"departure_date: \S+", f"departure_date: {departure}", text)
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / case
    path.write_text(text, "utf-8")
    document = load_file(path, case).document
    assert document is not None
    return Request(document)


def test_taiwan_terms_change_on_2020_05_30(ref, tmp_path: Path) -> None:
    before = decide(_request(tmp_path, "taiwan-before-2020-crops.yaml", "2020-05-29"), ref)
    after = decide(_request(tmp_path, "taiwan-before-2020-crops.yaml", "2020-05-30"), ref)
    assert before.terms is not None and after.terms is not None
    assert before.terms.origin == "produced_in_us"
    assert after.terms.origin == "produced_or_processed_in_us"
    assert [s.id for s in before.statements] == ["tw_zero_prohibited_substances"]
    assert [s.id for s in after.statements] == ["tw_aittecro_arrangement"]
    assert after.statements[0].text == (
        "Certified in compliance with the terms of the AIT/TECRO-NOP/AFA Organic Equivalence "
        "Arrangement."
    )


def test_taiwan_livestock_statement_only_for_livestock(ref, tmp_path: Path) -> None:
    crops = decide(_request(tmp_path, "taiwan-before-2020-crops.yaml", "2019-12-14"), ref)
    assert "tw_no_systemic_analgesics" not in [s.id for s in crops.statements]
    beef = _request(
        tmp_path,
        "taiwan-before-2020-crops.yaml",
        "2019-12-14",
        **{"category: unprocessed_plant": "category: livestock_product"},
    )
    assert [s.id for s in decide(beef, ref).statements] == ["tw_no_systemic_analgesics"]


def test_gb_box_2_changes_on_2023_09_01(ref, tmp_path: Path) -> None:
    case = "gb-without-antibiotics-attestation.yaml"
    before = decide(_request(tmp_path, case, "2023-08-31"), ref)
    after = decide(_request(tmp_path, case, "2023-09-01"), ref)
    assert before.terms is not None and after.terms is not None
    assert before.terms.procedure is None  # no published wording found for the old template
    assert after.terms.procedure is not None and after.terms.procedure.startswith("Article 33(2)")
    assert "no_antibiotics" not in after.attestations


def test_japan_livestock_from_2020_07_16(ref) -> None:
    japan = ref.markets["JP"]
    assert "livestock_product" in japan.terms_on(date(2020, 7, 15)).excluded_categories
    assert "livestock_product" not in japan.terms_on(date(2020, 7, 16)).excluded_categories


def test_eu_terms_end_with_article_48(ref, tmp_path: Path) -> None:
    eu = ref.markets["EU"]
    assert eu.terms_on(date(2026, 12, 31)) is not None
    assert eu.terms_on(date(2027, 1, 1)) is None
    assert eu.terms_on(date(2026, 12, 31)).procedure == (
        "Recognised equivalent third country (Article 48 of Regulation (EU) 2018/848)"
    )


def test_every_term_cites_a_source(ref) -> None:
    for market in ref.markets.values():
        for terms in market.terms:
            assert terms.sources, market.id
            assert all(source.strip() for source in terms.sources), market.id


def test_templates_hold_no_arrangement_wording() -> None:
    """Box 2 and the arrangement statements come from data/destinations.yaml, never from a
    template: a change of trade arrangement is a data change."""
    templates = ROOT / "generator" / "website" / "templates" / "certificates"
    forbidden = re.compile(r"Article 4[78]|Article 33|Equivalen(ce|cy) Arrangement|AIT/TECRO")
    for template in templates.glob("*.j2"):
        assert not forbidden.search(template.read_text("utf-8")), template.name


def _amendment_case(tmp_path: Path, change: tuple[str, str]) -> Path:
    case = tmp_path / "case"
    shutil.copytree(CASES / "invalid" / "t410-amendment-after-departure-changes-weight", case)
    amendment = case / "IC-2026-0009.yaml"
    text = amendment.read_text("utf-8").replace("net_weight_kg: 18600", "net_weight_kg: 18000")
    amendment.write_text(text.replace(*change), "utf-8")
    return case


def test_amendment_after_departure_may_correct_packages(tmp_path: Path) -> None:
    """The same amendment, with the quantity restored: packages, gross weight and the port
    of entry are corrected after departure, which the policy allows."""
    case = _amendment_case(tmp_path, ("port_of_entry: Nogales, AZ", "port_of_entry: Otay Mesa, CA"))
    assert case_findings(case, tmp_path / "work") == []


def test_amendment_after_departure_may_not_change_lots(tmp_path: Path) -> None:
    case = _amendment_case(tmp_path, ("      - AV-2601-15\n", "      - AV-2601-16\n"))
    assert case_findings(case, tmp_path / "work") == ["IC-2026-0009.yaml:29:7 T410"]


def test_amendment_before_departure_may_change_anything(tmp_path: Path) -> None:
    case = _amendment_case(
        tmp_path,
        ("requested_at: 2026-01-26T09:30:00-08:00", "requested_at: 2026-01-17T09:30:00-08:00"),
    )
    amendment = case / "IC-2026-0009.yaml"
    text = amendment.read_text("utf-8").replace("net_weight_kg: 18000", "net_weight_kg: 18600")
    amendment.write_text(text.replace("issued_on: 2026-01-27", "issued_on: 2026-01-19"), "utf-8")
    assert case_findings(case, tmp_path / "work") == []
