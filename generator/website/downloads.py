"""The register's downloads: every published certificate's summary as JSON and CSV, and an Atom
feed of the newest."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree
from datetime import date
from typing import Any

from generator.record.public import PublicCertificate
from generator.website.output_folder import Planned, content_key

FEED_ENTRIES = 50


def download_files(
    certificates: list[PublicCertificate], site_url: str, as_of: date, certifier_name: str
) -> dict[str, Planned]:
    """The register as JSON, CSV and an Atom feed; remade only when a certificate changed."""
    ordered = sorted(certificates, key=lambda c: c.id)
    key = content_key(as_of, site_url, certifier_name, [(c.id, c.digest) for c in ordered])

    def listing() -> bytes:
        summaries = [_summary(c) for c in ordered]
        document = {"as_of": as_of.isoformat(), "count": len(summaries), "certificates": summaries}
        text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return (text + "\n").encode("utf-8")

    return {
        "downloads/certificates.json": Planned(key, listing),
        "downloads/certificates.csv": Planned(key, lambda: _csv([_summary(c) for c in ordered])),
        "downloads/feed.xml": Planned(
            key, lambda: _feed(certificates, site_url, as_of, certifier_name)
        ),
    }


_CSV_FIELDS = (
    "id",
    "number",
    "document_type",
    "status",
    "issued_on",
    "exporter_operation_id",
    "exporter",
    "importer",
    "destination_country",
    "products",
    "net_weight_kg",
    "url",
    "sha256",
)


def _summary(certificate: PublicCertificate) -> dict[str, Any]:
    summary = certificate.summary
    return {
        "id": certificate.id,
        "number": summary.number,
        "document_type": summary.document_type,
        "status": summary.status,
        "issued_on": summary.issued_on,
        "exporter_operation_id": summary.exporter_id,
        "exporter": summary.exporter,
        "importer": summary.importer,
        "destination_country": summary.destination_country,
        "products": summary.products,
        "net_weight_kg": summary.net_weight_kg,
        "url": summary.url,
        "sha256": certificate.digest,
    }


def _csv(summaries: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for summary in summaries:
        writer.writerow({k: _cell(v) for k, v in summary.items()})
    return buffer.getvalue().encode("utf-8")


_FORMULA_SIGNS = ("=", "+", "-", "@")


def _cell(value: Any) -> Any:
    """A text cell that a spreadsheet could run as a formula, quoted (OWASP, CSV injection):
    one whose first character after any blanks (spaces, tabs, line breaks, any Unicode
    space: spreadsheets may trim them) is = + - @, or that starts with a tab or carriage
    return. Every such text gets the quote, ``-5 °C`` too; numbers (``net_weight_kg``, the
    only numeric column, never negative) are written as numbers and never quoted."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith(_FORMULA_SIGNS) or value[:1] in ("\t", "\r"):
        return "'" + value
    return value


def _feed(
    certificates: list[PublicCertificate], site_url: str, as_of: date, certifier_name: str
) -> bytes:
    atom = "http://www.w3.org/2005/Atom"
    ElementTree.register_namespace("", atom)
    feed = ElementTree.Element(f"{{{atom}}}feed")
    newest = sorted(certificates, key=lambda c: (c.summary.issued_on, c.id), reverse=True)
    newest = newest[:FEED_ENTRIES]
    updated = newest[0].summary.issued_on if newest else as_of.isoformat()
    for tag, text in (
        ("title", f"{certifier_name}: newly issued certificates"),
        ("id", site_url + "downloads/feed.xml"),
        ("updated", f"{updated}T00:00:00Z"),
    ):
        ElementTree.SubElement(feed, f"{{{atom}}}{tag}").text = text
    ElementTree.SubElement(feed, f"{{{atom}}}link", href=site_url + "register/index.html")
    ElementTree.SubElement(
        feed, f"{{{atom}}}link", rel="self", href=site_url + "downloads/feed.xml"
    )
    author = ElementTree.SubElement(feed, f"{{{atom}}}author")
    ElementTree.SubElement(author, f"{{{atom}}}name").text = certifier_name
    for certificate in newest:
        _feed_entry(feed, atom, certificate)
    ElementTree.indent(feed)
    document: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _feed_entry(feed: ElementTree.Element, atom: str, certificate: PublicCertificate) -> None:
    summary = certificate.summary
    entry = ElementTree.SubElement(feed, f"{{{atom}}}entry")
    title = f"{summary.title} {summary.number}"
    parts = [
        summary.exporter,
        f"to {summary.destination_name}" if summary.destination_name else None,
        summary.products,
    ]
    shown = " ".join(p for p in parts if p)
    text = f"{shown + '. ' if shown else ''}Status: {summary.status}."
    for tag, value in (
        ("title", title),
        ("id", summary.url),
        ("updated", f"{summary.issued_on}T00:00:00Z"),
        ("summary", text),
    ):
        ElementTree.SubElement(entry, f"{{{atom}}}{tag}").text = value
    ElementTree.SubElement(entry, f"{{{atom}}}link", href=summary.url)
