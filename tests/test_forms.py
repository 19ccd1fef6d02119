"""Every box the recipient checks: each document type's boxes, by number (or name) and title,
on the certificate's page as its holder's key opens it and, for the certificates of
inspection, in its PDF; a record made before a box's field existed still shows the box, as
"not recorded". The public page, without the key, shows none of the boxes."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from generator.website import render
from tests.helpers import holder_details, holder_pdf, make_project, run

COI_BOXES = [
    (1, "Issuing control authority or control body"),
    (2, "Procedure"),
    (3, "Reference number of the certificate of inspection"),
    (4, "Producer or processor of the product"),
    (5, "Exporter"),
    (6, "Operator buying or selling without physically handling the product"),
    (7, "Control authority or control body"),
    (8, "Country of origin"),
    (9, "Country of export"),
    (10, "Border control post or point of release for free circulation"),
    (11, "Country of destination"),
    (12, "Importer"),
    (13, "Description of products"),
    (14, "Container number(s)"),
    (15, "Seal number(s)"),
    (16, "Total gross weight"),
    (17, "Means of transport"),
    (18, "Declaration of the issuing control authority or control body"),
]
"""Annex I to Delegated Regulation (EU) 2021/2306, Part I (boxes 1 to 18); the GB model has the
same boxes."""

BOXES: dict[str, list[tuple[int | str, str]]] = {
    "traces_coi": COI_BOXES,
    "gb_coi": COI_BOXES,
    "nop_import_certificate": [
        ("exporter", "Exporter"),
        ("certifier", "Certifying agent"),
        ("importer", "Importer (certified in OID)"),
        ("ultimate_consignee", "Ultimate consignee"),
        ("destination", "Destination in the United States"),
        ("port_of_entry", "US port of entry"),
        ("product", "Product"),
        ("port_of_lading", "Foreign port of lading"),
        ("means_of_transport", "Means of transport: vessel, flight or vehicle"),
        ("transport_document", "Bill of lading or air waybill"),
        ("containers", "Container numbers"),
    ],
    "tm11": [
        ("exported_by", "Exported by"),
        ("consigned_to", "Consigned to"),
        ("certifier", "Certifying agent"),
        ("lots", "Products and lots"),
        ("shipment", "Shipment"),
    ],
    "naqs_certificate": [
        ("exporter", "Exporter"),
        ("importer", "Importer"),
        ("products", "Products"),
        ("shipment", "Shipment"),
    ],
    "canada_attestation": [
        ("exporter", "Exporter"),
        ("importer", "Importer"),
        ("products", "Products"),
        ("shipment", "Shipment"),
    ],
    "transaction_certificate": [
        ("exporter", "Exporter"),
        ("importer", "Importer"),
        ("products", "Products"),
        ("shipment", "Shipment"),
    ],
}

EXAMPLES = {
    "nop_import_certificate": "IC-2026-0001",
    "traces_coi": "EC-2026-0001",
    "gb_coi": "EC-2026-0004",
    "tm11": "EC-2026-0005",
    "naqs_certificate": "EC-2026-0007",
    "canada_attestation": "EC-2026-0008",
    "transaction_certificate": "EC-2026-0010",
}

NEW_FIELDS = ("arrangement", "trader", "control_bodies", "ultimate_consignee")
"""Record fields that records made before the forms had every box lack."""


class _Boxes(HTMLParser):
    """The text of each element marked data-box, by its key."""

    VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.text: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        key = dict(attrs).get("data-box")
        if key is not None:
            self.text[key] = []
        self.open.append((tag, key))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            opened, _ = self.open.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, key in self.open:
            if key is not None:
                self.text[key].append(data)


def boxes_of(page: str) -> dict[str, str]:
    parser = _Boxes()
    parser.feed(page)
    return {key: " ".join(" ".join(parts).split()) for key, parts in parser.text.items()}


def missing_boxes(page: str, document_type: str) -> list[str]:
    """The boxes of ``document_type`` the page lacks, or shows without a title or a value."""
    found = boxes_of(page)
    missing = []
    for key, title in BOXES[document_type]:
        heading = f"{key}. {title}" if isinstance(key, int) else title
        text = found.get(str(key), "")
        if not text.startswith(heading) or not text[len(heading) :].strip():
            missing.append(heading)
    return missing


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("forms") / "repo", True, True)
    code, out, err = run(["build"], project)
    assert code == 0, out + err
    return project / "build" / "site"


def holder_page(site: Path, document_type: str) -> str:
    """The example certificate of ``document_type`` as its holder's key opens it."""
    return str(holder_details(site, EXAMPLES[document_type])["html"])


def record_of(site: Path, document_type: str) -> dict[str, Any]:
    """The example's record as issued (the holder's)."""
    record: dict[str, Any] = json.loads(holder_details(site, EXAMPLES[document_type])["record"])
    return record


def test_every_document_type_has_its_boxes_listed() -> None:
    templates = Path(render.__file__).parent / "templates" / "certificates"
    forms = {p.name.removesuffix(".html.j2") for p in templates.glob("[a-z]*.html.j2")}
    assert set(BOXES) == set(EXAMPLES) == forms - {"base", "pdf", "public"}  # public: no form


@pytest.mark.parametrize("document_type", sorted(EXAMPLES))
def test_page_shows_every_box(site: Path, document_type: str) -> None:
    assert missing_boxes(holder_page(site, document_type), document_type) == []
    public = (site / "certificates" / f"{EXAMPLES[document_type]}.html").read_text("utf-8")
    assert boxes_of(public) == {}  # without the key: no box, and what they hold stays sealed


@pytest.mark.parametrize("document_type", ["traces_coi", "gb_coi"])
def test_pdf_shows_every_box_on_one_page(site: Path, document_type: str) -> None:
    reader = PdfReader(io.BytesIO(holder_pdf(site, EXAMPLES[document_type])))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    headings = [f"{number}. {title}" for number, title in BOXES[document_type]]
    assert [h for h in headings if h.upper() not in text.upper()] == []
    record = record_of(site, document_type)
    assert record["arrangement"]["procedure"] in text
    assert len(reader.pages) == 1  # box 18, the link and the digest never alone on page 2


def test_a_missing_box_is_found(site: Path) -> None:
    """The check above would see a box that disappears (the test proves its point)."""
    page = holder_page(site, "traces_coi")
    without_box_6 = re.sub(r'data-box="6"', 'data-box="six"', page)
    assert missing_boxes(without_box_6, "traces_coi") == [f"6. {COI_BOXES[5][1]}"]


@pytest.mark.parametrize("document_type", ["traces_coi", "gb_coi", "nop_import_certificate"])
def test_a_record_made_before_the_boxes_still_shows_them(site: Path, document_type: str) -> None:
    """Frozen records never change: one without the new fields renders every box, saying
    "not recorded" where the record holds nothing."""
    record = record_of(site, document_type)
    old = {key: value for key, value in record.items() if key not in NEW_FIELDS}
    kept = ("name", "nop_certifier_code", "website")
    old["certifier"] = {k: record["certifier"][k] for k in kept}
    old["transport"] = {k: v for k, v in record["transport"].items() if k != "transport_document"}
    old["products"] = [
        {k: v for k, v in p.items() if k != "organic_status"} for p in record["products"]
    ]
    old["status"] = "issued"
    page = render.certificate_fragment(old, "0" * 64, "", "", sample_data=True)
    assert missing_boxes(page, document_type) == []
    assert "not recorded" in page


def test_gb_destination_is_great_britain_and_box_12_has_the_uk_registration(site: Path) -> None:
    record = record_of(site, "gb_coi")
    assert record["destination"]["country_name"] == "Great Britain"
    box_12 = boxes_of(holder_page(site, "gb_coi"))["12"]
    control_body = record["importer"]["control_body"]
    assert control_body["code"] in box_12 and record["importer"]["registration_id"] in box_12


def test_tm11_prints_each_lot_with_its_weight(site: Path) -> None:
    record = record_of(site, "tm11")
    lots = record["products"][0]["lots"]
    assert len(lots) > 1 and all(isinstance(lot, dict) for lot in lots)
    page = holder_page(site, "tm11")
    for lot in lots:
        weight = render.kilograms(lot["net_weight_kg"])
        lot_cell = rf"{re.escape(lot['number'])}(?:</span>)?</td>"  # kept on one line
        assert re.search(rf"{lot_cell}\s*<td[^>]*>{re.escape(weight)}<", page)


def test_eu_box_16_is_the_total_gross_weight(site: Path) -> None:
    record = record_of(site, "traces_coi")
    total = sum(p["gross_weight_kg"] for p in record["products"])
    box_16 = boxes_of(holder_page(site, "traces_coi"))["16"]
    weight = " ".join(render.kilograms(total).split())  # the boxes' text, spaces folded
    assert box_16 == f"16. Total gross weight {weight}"
