"""Site stage, certgen side: the files certgen writes itself next to MkDocs' pages.

Certificate pages and register year pages are written into the page "shell" that MkDocs
renders for certificates/shell.md, so they share Material's header, palette, navigation and
search box without MkDocs rendering thousands of pages. Also written: each certificate's JSON
record and PDF, the lookup files of the verification page, the register index and the
downloads (JSON, CSV, Atom).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from generator.record.public import PublicCertificate
from generator.website.guidance_pages import CONTENT_MARKER, TITLE_MARKER
from generator.website.render import environment

LOOKUP_ENTRIES_PER_FILE = 400
_INDENTATION = re.compile(r"\n[ \t]+")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
FEED_ENTRIES = 50
STATUS_NOTES = {
    "cancelled": "This certificate was cancelled and is not valid.",
    "superseded": "This certificate was replaced by a correction and is not valid.",
    "expired": "The validity period of this certificate has ended.",
    "issued": "",
}


class Shell:
    """A page rendered by MkDocs, with markers where a title and content go."""

    def __init__(self, text: str, own_path: str) -> None:
        if CONTENT_MARKER not in text or TITLE_MARKER not in text:
            raise ValueError("the shell page has lost its markers")
        self.text = _INDENTATION.sub("\n", text)  # thousands of copies: every byte counts
        self.own_path = own_path

    def page(self, title: str, path: str, content: str) -> str:
        """The shell with ``content`` for the page at ``path`` (same folder depth as the shell)."""
        return (
            self.text.replace(TITLE_MARKER, _attribute_safe(title))
            .replace(self.own_path, path)
            .replace(CONTENT_MARKER, content)
        )


def _attribute_safe(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


@dataclass(frozen=True)
class Row:
    """A certificate as the register lists it."""

    id: str
    number: str
    title: str
    status: str
    exporter: str
    destination: str
    products: str
    issued_on: str
    page: str
    year: int

    @classmethod
    def of(cls, certificate: PublicCertificate) -> Row:
        summary = certificate.summary
        return cls(
            id=certificate.id,
            number=summary.number,
            title=summary.title,
            status=summary.status,
            exporter=f"{summary.exporter} ({summary.exporter_id})",
            destination=summary.destination_name,
            products=summary.products,
            issued_on=summary.issued_on,
            page=f"certificates/{certificate.id}.html",
            year=certificate.year,
        )

    def index_entry(self) -> dict[str, Any]:
        entry = {
            k: getattr(self, k)
            for k in (
                "number",
                "title",
                "status",
                "exporter",
                "destination",
                "products",
                "issued_on",
                "page",
            )
        }
        text = " ".join(
            (self.number, self.id, self.exporter, self.destination, self.products, self.title)
        )
        entry["text"] = normalize(text).lower()
        return entry


def normalize(number: str) -> str:
    """How numbers are compared: upper case, letters and digits only, so that spaces, hyphens
    and dots typed differently still match (certgen.js does the same)."""
    return _NOT_ALPHANUMERIC.sub("", number.upper())


def fnv1a(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes; certgen.js computes the same to find a lookup file."""
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def jsonp(key: str, value: Any) -> bytes:
    """A data file the site's JavaScript can load from disk too: certgen.deliver(key, value)."""
    payload = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    payload = payload.replace("</", "<\\/")
    return f'certgen.deliver("{key}",{payload});\n'.encode()


def certificate_page(
    shell: Shell, certificate: PublicCertificate, fragment: str, pdf_name: str | None
) -> bytes:
    summary = certificate.summary
    downloads = (
        f'<p class="certgen-downloads">Download: <a href="{certificate.id}.json">JSON record</a>'
    )
    if pdf_name:
        downloads += f' · <a href="{pdf_name}">PDF</a>'
    downloads += "</p>"
    title = f"{summary.title} {summary.number}"
    path = f"certificates/{certificate.id}.html"
    return shell.page(title, path, fragment + downloads).encode("utf-8")


@dataclass(frozen=True)
class Planned:
    """A file to be made only if its key differs from the one it was last made from."""

    key: str
    make: Callable[[], bytes]


def content_key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def lookup_files(rows: Iterable[Row], notes: dict[str, str] = STATUS_NOTES) -> dict[str, Planned]:
    """The verification page's lookup: every number and ID, spread over hashed files."""
    entries: dict[str, dict[str, Any]] = {}
    for row in rows:
        value = {
            "number": row.number,
            "title": row.title,
            "status": row.status,
            "issued_on": row.issued_on,
            "exporter": row.exporter,
            "destination": row.destination,
            "page": row.page,
            "note": notes[row.status],
        }
        entries[normalize(row.number)] = value
        entries[normalize(row.id)] = value
    count = 1
    while count * LOOKUP_ENTRIES_PER_FILE < len(entries):
        count *= 2
    shards: dict[str, dict[str, Any]] = {}
    for key, value in entries.items():
        shards.setdefault(f"{fnv1a(key) % count:04x}", {})[key] = value
    files = {"data/lookup/meta.js": _planned_jsonp("meta", {"shards": count})}
    for name, shard in shards.items():
        files[f"data/lookup/{name}.js"] = _planned_jsonp(f"lookup-{name}", shard)
    return files


def _planned_jsonp(key: str, value: Any) -> Planned:
    return Planned(
        content_key(key, sorted(value.items()) if isinstance(value, dict) else value),
        lambda: jsonp(key, value),
    )


def register_files(shell: Shell, rows: list[Row], shell_key: str) -> dict[str, Planned]:
    """Year pages of the register and the index the register's filter loads, by year."""
    by_year: dict[int, list[Row]] = {}
    for row in sorted(rows, key=lambda r: (r.issued_on, r.id), reverse=True):
        by_year.setdefault(row.year, []).append(row)
    years = [{"year": year, "count": len(by_year[year])} for year in sorted(by_year, reverse=True)]
    files = {"data/register/years.js": _planned_jsonp("years", years)}
    for year, year_rows in by_year.items():
        key = content_key(year, year_rows)
        files[f"data/register/{year}.js"] = Planned(key, partial(_year_index, year, year_rows))
        files[f"register/{year}.html"] = Planned(
            content_key(key, shell_key), partial(_year_page, shell, year, year_rows)
        )
    return files


def _year_index(year: int, rows: list[Row]) -> bytes:
    return jsonp(f"year-{year}", [row.index_entry() for row in rows])


def _year_page(shell: Shell, year: int, rows: list[Row]) -> bytes:
    content = (
        environment().get_template("register/year.html.j2").render(year=year, certificates=rows)
    )
    path = f"register/{year}.html"
    return shell.page(f"Certificates issued in {year}", path, content).encode("utf-8")


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


def _cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas: such text gets a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
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
    text = (
        f"{summary.exporter} to {summary.destination_name}: {summary.products}. "
        f"Status: {summary.status}."
    )
    for tag, value in (
        ("title", title),
        ("id", summary.url),
        ("updated", f"{summary.issued_on}T00:00:00Z"),
        ("summary", text),
    ):
        ElementTree.SubElement(entry, f"{{{atom}}}{tag}").text = value
    ElementTree.SubElement(entry, f"{{{atom}}}link", href=summary.url)
