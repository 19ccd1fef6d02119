"""The register's downloads: every published certificate's summary as JSON and CSV, and an Atom
feed of the newest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from generator.check.words import STATUS_WORDS
from generator.record.public import PublicCertificate
from generator.website.output_folder import Planned, content_key
from generator.website.register_view import RegisterView

FEED_ENTRIES = 50
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
"""This module's own code: the downloads are remade when it changes."""


@dataclass(frozen=True)
class Part:
    """The downloads' lines of one group of certificates (``register_view.group_of``: kind,
    year and first digit, ``EC-2026-0``, whose IDs follow each other in the downloads'
    order), kept from build to build so that a build after a few changes remakes only the
    groups they touch."""

    key: str
    """The content key of the group's certificates (their IDs and files' keys)."""
    json: str
    """Their summaries, as the JSON download lists them (comma-separated)."""
    csv: str
    """Their lines of the CSV download."""


def download_files(
    register: RegisterView,
    site_url: str,
    as_of: date,
    certifier_name: str,
    kept: dict[str, Part] | None = None,
    changed: set[str] | None = None,
) -> tuple[dict[str, Planned], dict[str, Part]]:
    """The register as JSON, CSV and an Atom feed; remade only when a certificate changed
    (each group's lines taken from ``kept`` when its certificates are as they were; with
    ``changed``, the groups that may hold a changed certificate, the others' are taken as
    kept without comparing their certificates). Also the parts made, to keep."""
    parts = _parts(register, kept or {}, changed)
    count = len(register)
    key = content_key(_CODE, as_of, site_url, certifier_name, [p.key for p in parts.values()])

    def listing() -> bytes:
        listed = ",".join(part.json for part in parts.values())
        text = f'{{"as_of":{json.dumps(as_of.isoformat())},"certificates":[{listed}],'
        return f'{text}"count":{count}}}\n'.encode()

    def table() -> bytes:
        buffer = io.StringIO()
        csv.DictWriter(buffer, fieldnames=_CSV_FIELDS, lineterminator="\n").writeheader()
        return (buffer.getvalue() + "".join(part.csv for part in parts.values())).encode()

    files = {
        "downloads/certificates.json": Planned(key, listing),
        "downloads/certificates.csv": Planned(key, table),
        "downloads/feed.xml": Planned(
            key, lambda: _feed(register.newest(FEED_ENTRIES), site_url, as_of, certifier_name)
        ),
    }
    return files, parts


def _parts(
    register: RegisterView, kept: dict[str, Part], changed: set[str] | None
) -> dict[str, Part]:
    """Each group's part, in the downloads' order: kept, or made when its certificates
    changed. (The JSON download is ``json.dumps`` of every summary, sorted keys, no spaces:
    made a group at a time, it is the same text.)"""
    parts = {}
    for group in register.groups():
        if changed is not None and group not in changed and group in kept:
            parts[group] = kept[group]  # the same certificates as when it was made
            continue
        members = register.group(group)
        # each certificate's record, status and what is public of it (a client's consent
        # can change what its summaries show while its record and status stay as they were)
        key = content_key(group, [(c.id, c.status_key) for c in members])
        part = kept.get(group)
        if part is None or part.key != key:
            summaries = (_summary(c) for c in members)
            listed = ",".join(
                json.dumps(s, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                for s in summaries
            )
            part = Part(key, listed, _csv(members))
        parts[group] = part
    return parts


_CSV_FIELDS = (
    "id",
    "number",
    "document_type",
    "status",
    "document",
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


def _csv(certificates: list[PublicCertificate]) -> str:
    """The lines of the register for spreadsheets (no header): as the JSON download, with
    the status in the register's words and the document's title beside its type."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_FIELDS, lineterminator="\n")
    for certificate in certificates:
        row = _summary(certificate) | {
            "status": STATUS_WORDS[certificate.summary.status],
            "document": certificate.summary.title,
        }
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


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
    newest: list[PublicCertificate], site_url: str, as_of: date, certifier_name: str
) -> bytes:
    """An Atom feed of the ``newest`` certificates (feedgen), in the register's words."""
    from feedgen.feed import FeedGenerator  # only when the feed is remade

    feed = FeedGenerator()
    feed.id(site_url + "downloads/feed.xml")
    feed.title(f"{certifier_name}: newly issued certificates")
    feed.updated(_day(newest[0].summary.issued_on if newest else as_of.isoformat()))
    feed.link(href=site_url + "register/index.html", rel="alternate")
    feed.link(href=site_url + "downloads/feed.xml", rel="self")
    feed.author({"name": certifier_name})
    feed.generator("certgen")
    for certificate in reversed(newest):  # feedgen puts the last one added first
        _feed_entry(feed.add_entry(), certificate)
    document: bytes = feed.atom_str(pretty=True)
    return document


def _feed_entry(entry: Any, certificate: PublicCertificate) -> None:
    summary = certificate.summary
    parts = [
        summary.exporter,
        f"to {summary.destination_name}" if summary.destination_name else None,
        summary.products,
    ]
    shown = " ".join(p for p in parts if p)
    entry.id(summary.url)
    entry.title(f"{summary.title} {summary.number}")
    entry.updated(_day(summary.issued_on))
    entry.summary(f"{shown + '. ' if shown else ''}Status: {STATUS_WORDS[summary.status]}.")
    entry.link(href=summary.url)


def _day(iso: str) -> datetime:
    return datetime.combine(date.fromisoformat(iso), time(), UTC)
