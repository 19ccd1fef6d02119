"""A certificate of one product fits one page of Letter and of A4, in type no smaller than 8 pt:
every example record (records/), and each example with every optional box a real shipment
fills (a trader in box 6, several lots, long addresses, containers and seals, a description),
rendered by the real PDF renderer as a preview (the longest form: it carries the preview
banner) with its QR code and holder link."""

from __future__ import annotations

import copy
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from generator.record.public import AS_ISSUED
from generator.website.render import certificate_fragment, pdf_bytes, pdf_html, qr_svg
from tests.helpers import ROOT, holder_link

BASE = "https://certificates.cascadia-organic.example/certificates/"
SMALLEST_PT = 8.0
RECORDS = sorted((ROOT / "records").rglob("*.json"))


def _document_types() -> set[str]:
    data = yaml.safe_load((ROOT / "data" / "destinations.yaml").read_text("utf-8"))
    return {document["id"] for document in data["document_types"]}


def _pdf(path: Path, paper: str) -> PdfReader:
    return _pdf_of(path.read_bytes(), paper)


def _pdf_of(raw: bytes, paper: str) -> PdfReader:
    record = json.loads(raw) | AS_ISSUED
    record["url"] = holder_link(record["url"], record["id"])  # as the PDF prints it
    digest = hashlib.sha256(raw).hexdigest()
    fragment = certificate_fragment(record, digest, qr_svg(record["url"]), BASE, True, True)
    source = pdf_html(record, fragment)
    assert "size: letter" in source
    return PdfReader(io.BytesIO(pdf_bytes(source.replace("size: letter", f"size: {paper}"), BASE)))


def _text_sizes(pdf: PdfReader) -> dict[float, str]:
    """Each font size text is shown at (in points, with the text matrix's scale), with a
    sample of the text."""
    sizes: dict[float, str] = {}
    for page in pdf.pages:

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
                sizes.setdefault(round(size * scale, 2), text.strip())

        page.extract_text(visitor_text=visit)
    return sizes


def test_the_examples_cover_every_document_type() -> None:
    shown = {json.loads(p.read_bytes())["document"]["type"] for p in RECORDS}
    assert shown == _document_types()
    assert all(len(json.loads(p.read_bytes())["products"]) == 1 for p in RECORDS)


@pytest.mark.parametrize("paper", ["letter", "A4"])
@pytest.mark.parametrize("record", RECORDS, ids=[p.stem for p in RECORDS])
def test_a_one_product_certificate_fits_one_page(record: Path, paper: str) -> None:
    pdf = _pdf(record, paper)
    width = round(float(pdf.pages[0].mediabox.width))
    assert width == {"letter": 612, "A4": 595}[paper]
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert len(pdf.pages) == 1, f"{record.stem} on {paper}: {len(pdf.pages)} pages"
    assert "SHA-256 of the published record" in text and "Page 1 of 1" in text
    small = {size: sample for size, sample in _text_sizes(pdf).items() if size < SMALLEST_PT}
    assert small == {}, f"{record.stem}: text under {SMALLEST_PT} pt"


LONG_ADDRESS = (
    "Building 4, Suite 1200, 1500 Industrial Parkway North, South San Francisco, CA 94080"
)
TRADER_BODY = {"code": "US-ORG-901", "name": "Golden Gate Organic Certification (sample)"}
TRADER = {
    "name": "Pacific Rim Organic Trading LLC",
    "address": "400 Oyster Point Boulevard, South San Francisco, CA 94080",
    "country": "US",
    "country_name": "United States",
    "control_body": TRADER_BODY,
}


def _fuller(record: dict[str, Any]) -> dict[str, Any]:
    """The example with what a real shipment of one product often adds: long addresses, four
    lots, a description, three containers with seals, and the optional parties of its form (a
    trader in box 6 of a certificate of inspection, a consignee, an ultimate consignee)."""
    fuller = copy.deepcopy(record)
    for role in ("exporter", "importer", "producer", "ultimate_consignee", "consignee"):
        if fuller.get(role):
            fuller[role]["address"] = LONG_ADDRESS
    if fuller["document"]["type"] in ("traces_coi", "gb_coi"):
        fuller["trader"] = TRADER
        others = [entry for entry in fuller["control_bodies"] if entry["role"] != "trader"]
        trader = {"control_body": TRADER_BODY, "operator": TRADER["name"], "role": "trader"}
        fuller["control_bodies"] = [*others, trader]
    if fuller["document"]["type"] == "nop_import_certificate":
        consignee = {"name": "Valle Grande Markets Inc.", "address": LONG_ADDRESS}
        fuller["ultimate_consignee"] = consignee
    if fuller["document"]["type"] == "tm11":
        fuller["consignee"] = {"name": "Pacific Gateway Foods Co., Ltd.", "address": LONG_ADDRESS}
    product = fuller["products"][0]
    product["description"] = "Raw, shelled, unpasteurised; 20 pallets, kept at 2 to 4 °C in transit"
    lots = [f"{fuller['id'][-4:]}-LOT-{n:02}" for n in range(1, 5)]
    if product.get("lots") and isinstance(product["lots"][0], dict):
        weight = product["net_weight_kg"] / 4
        product["lots"] = [{"number": lot, "net_weight_kg": weight} for lot in lots]
    elif not fuller.get("shipments"):
        product["lots"] = lots
    transport = fuller["transport"]
    if transport["mode"] == "ocean":
        transport["containers"] = [
            {"number": f"MSCU48217{n:02}", "seal": f"ML-00451{n:02}"} for n in range(3)
        ]
    return fuller


EXAMPLES = {json.loads(p.read_bytes())["document"]["type"]: p for p in RECORDS}


@pytest.mark.parametrize("paper", ["letter", "A4"])
@pytest.mark.parametrize("document_type", sorted(EXAMPLES))
def test_a_one_product_certificate_with_every_box_filled_fits_one_page(
    document_type: str, paper: str
) -> None:
    """Issue 12 review B4: a GB certificate with box 6 filled put box 18, the verify link and
    the digest alone on page 2."""
    fuller = _fuller(json.loads(EXAMPLES[document_type].read_bytes()))
    pdf = _pdf_of(json.dumps(fuller).encode(), paper)
    text = " ".join(pdf.pages[0].extract_text().split())
    assert len(pdf.pages) == 1, f"{document_type} on {paper}: {len(pdf.pages)} pages"
    assert "SHA-256 of the published record" in text and "Page 1 of 1" in text
    assert fuller["products"][0]["description"] in text
    if document_type in ("traces_coi", "gb_coi"):
        assert "18. Declaration" in text and "Pacific Rim Organic Trading LLC" in text
