"""A certificate of one product fits one page of Letter and of A4, in type no smaller than 8 pt:
every example record (records/), rendered by the real PDF renderer as a preview (the longest
form: it carries the preview banner) with its QR code and holder link."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

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
    raw = path.read_bytes()
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
