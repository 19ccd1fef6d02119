"""The register: certificate pages and register year pages, and the lookup files of the
verification page.

Certificate pages and register year pages are written into the page "shell" that MkDocs
renders for certificates/shell.md, so they share Material's header, palette, navigation and
search box without MkDocs rendering thousands of pages.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from markupsafe import Markup, escape

from generator.check.words import STATUS_NOTES, STATUS_WORDS
from generator.errors import CertgenError
from generator.record.public import PublicCertificate
from generator.website.guidance_pages import CONTENT_MARKER, TITLE_MARKER
from generator.website.output_folder import Planned, content_key
from generator.website.render import environment, status_word

LOOKUP_ENTRIES_PER_FILE = 400
LATEST_ROWS = 200
"""How many of the newest certificates the register shows when it opens."""
_INDENTATION = re.compile(r"\n[ \t]+")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


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
    """The exporter, or "" where the publication policy keeps it for the holder."""
    destination: str
    products: str
    issued_on: str
    page: str
    year: int
    sha256: str
    replaced_by: str | None
    record: bytes = field(repr=False, compare=False)
    """The record as issued, for its signature in the lookup (never in a content key)."""
    pdf_sha256: str | None = None
    """The digest of the PDF published, when there is one."""

    @classmethod
    def of(cls, certificate: PublicCertificate, pdf_sha256: str | None = None) -> Row:
        summary = certificate.summary
        return cls(
            id=certificate.id,
            number=summary.number,
            title=summary.title,
            status=summary.status,
            exporter=f"{summary.exporter} ({summary.exporter_id})" if summary.exporter else "",
            destination=summary.destination_name or "",
            products=summary.products or "",
            issued_on=summary.issued_on,
            page=f"certificates/{certificate.id}.html",
            year=certificate.year,
            sha256=certificate.digest,
            replaced_by=(certificate.status_fields.get("superseded_by") or {}).get("id"),
            record=certificate.canonical,
            pdf_sha256=pdf_sha256,
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
    return data_file(key, _json(value))


def data_file(key: str, payload: str) -> bytes:
    """``jsonp`` of a value already written as JSON text (``payload``): no "</" in it ends
    the script that loads it."""
    escaped = payload.replace("</", "<\\/")
    return f'certgen.deliver("{key}",{escaped});\n'.encode()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def certificate_page(shell: Shell, certificate: PublicCertificate, fragment: str) -> bytes:
    """The certificate's public page in the site's shell (its title: document and number)."""
    summary = certificate.summary
    title = f"{summary.title} {summary.number}"
    path = f"certificates/{certificate.id}.html"
    return shell.page(title, path, fragment).encode("utf-8")


@dataclass(frozen=True)
class LookupLayout:
    """How the lookup's entries are spread over its files: how many files, and the
    certificates whose rows give each file's entries (a build after a few changes that keep
    every certificate's number and ID remakes only the files of the certificates changed)."""

    count: int
    members: dict[str, list[str]]
    """The IDs of the certificates whose rows each file's entries come from, by file name."""
    entries: int
    """How many entries (numbers and IDs) the files hold."""

    def with_added(self, added: Iterable[tuple[str, str]]) -> LookupLayout | None:
        """The layout once certificates are added (their numbers and IDs), when they leave
        the number of files as it is (None: the entries are spread anew)."""
        members = dict(self.members)
        entries = self.entries
        for number, certificate_id in added:
            keys = {normalize(number), normalize(certificate_id)}
            entries += len(keys)
            for name in {_shard(key, self.count) for key in keys}:
                members[name] = sorted({*members.get(name, ()), certificate_id})
        if lookup_count(entries) != self.count:
            return None
        return LookupLayout(self.count, members, entries)

    def files_of(self, certificates: Iterable[PublicCertificate]) -> set[str]:
        """The names of the lookup files the certificates' entries are in."""
        return set().union(*(lookup_shard(c.number, c.id, self.count) for c in certificates))


def lookup_count(entries: int) -> int:
    """How many lookup files hold ``entries`` entries: a power of two."""
    count = 1
    while count * LOOKUP_ENTRIES_PER_FILE < entries:
        count *= 2
    return count


def lookup_files(
    rows: Iterable[Row],
    notes: dict[str, str] = STATUS_NOTES,
    sign: Callable[[bytes], bytes] | None = None,
    signer_id: str = "",
    frozen: Callable[[str], Path] | None = None,
    layout: tuple[int, set[str]] | None = None,
) -> tuple[dict[str, Planned], LookupLayout]:
    """The verification page's lookup: every number and ID, spread over hashed files, and
    how they are spread. With ``sign``, each entry also carries its record's detached
    signature (JWS), made only for the files that are written (``signer_id`` names the key in
    their content keys); a row without its record's bytes has them read from its frozen
    record (``frozen``: where it is kept), which must be the record its digest names. With
    ``layout`` (the number of files, and the names of those wanted), only the wanted files
    are made, from ``rows``: those of the files' members."""
    entries: dict[str, dict[str, Any]] = {}
    records: dict[str, bytes] = {}
    digests: dict[str, str] = {}
    for row in rows:
        value = {
            "id": row.id,
            "number": row.number,
            "title": row.title,
            "status": row.status,
            "issued_on": row.issued_on,
            "exporter": row.exporter,
            "destination": row.destination,
            "page": row.page,
            "note": notes[row.status],
            "sha256": row.sha256,
            "replaced_by": row.replaced_by,
            "pdf_sha256": row.pdf_sha256,
        }
        entries[normalize(row.number)] = entries[normalize(row.id)] = value
        records[row.id] = row.record
        digests[row.id] = row.sha256
    count = lookup_count(len(entries)) if layout is None else layout[0]
    shards: dict[str, dict[str, Any]] = {}
    for key, value in entries.items():
        shards.setdefault(_shard(key, count), {})[key] = value
    if layout is not None:
        shards = {name: shard for name, shard in shards.items() if name in layout[1]}
    meta = {"shards": count, "status_words": STATUS_WORDS}  # the scripts' words for statuses
    files = {"data/lookup/meta.js": _planned_jsonp("meta", meta)}
    signatures = _Signatures(records, sign, digests, frozen) if sign else None
    for name, shard in shards.items():
        files[f"data/lookup/{name}.js"] = _planned_shard(name, shard, signatures, signer_id)
    members = {
        name: sorted({value["id"] for value in shard.values()}) for name, shard in shards.items()
    }
    return files, LookupLayout(count, members, len(entries))


def lookup_shard(number: str, certificate_id: str, count: int) -> set[str]:
    """The names of the lookup files a certificate's entries are in."""
    return {_shard(normalize(key), count) for key in (number, certificate_id)}


def _shard(key: str, count: int) -> str:
    """The name of the lookup file of a (normalised) number or ID; certgen.js finds it so."""
    return f"{fnv1a(key) % count:04x}"


class _Signatures:
    """Each record's signature, made once however many lookup entries name the record."""

    def __init__(
        self,
        records: dict[str, bytes],
        sign: Callable[[bytes], bytes],
        digests: dict[str, str],
        frozen: Callable[[str], Path] | None,
    ) -> None:
        self.records, self.sign, self.made = records, sign, dict[str, str]()
        self.digests, self.frozen = digests, frozen

    def of(self, certificate_id: str) -> str:
        if certificate_id not in self.made:
            record = self.records[certificate_id] or self._read(certificate_id)
            self.made[certificate_id] = self.sign(record).decode("ascii")
        return self.made[certificate_id]

    def _read(self, certificate_id: str) -> bytes:
        if self.frozen is None:
            raise CertgenError(f"the record of {certificate_id} was not given to sign")
        path = self.frozen(certificate_id)
        record = path.read_bytes()
        if hashlib.sha256(record).hexdigest() != self.digests[certificate_id]:
            raise CertgenError(
                f"{path} is not the record of {certificate_id} that was published; build "
                "again (a full build reads every record)"
            )
        return record


def _planned_shard(
    name: str, shard: dict[str, Any], signatures: _Signatures | None, signer_id: str
) -> Planned:
    def make() -> bytes:
        if signatures is None:
            return jsonp(f"lookup-{name}", shard)
        signed = {k: v | {"jws": signatures.of(v["id"])} for k, v in shard.items()}
        return jsonp(f"lookup-{name}", signed)

    return Planned(content_key(f"lookup-{name}", sorted(shard.items()), signer_id), make)


def _planned_jsonp(key: str, value: Any) -> Planned:
    return Planned(
        content_key(key, sorted(value.items()) if isinstance(value, dict) else value),
        lambda: jsonp(key, value),
    )


class YearRow(NamedTuple):
    """A certificate as its year's page and index list it: its row of the page's table (HTML)
    and its entry in the year's index (JSON), made once and kept with the certificate from
    build to build (``register_view``), so a year's page is made again by joining them."""

    issued_on: str
    id: str
    year: int
    html: str
    json: str

    @classmethod
    def of(cls, row: Row) -> YearRow:
        return cls(row.issued_on, row.id, row.year, _row_html(row), _json(row.index_entry()))


def _row_html(row: Row) -> str:
    """The row of the year page's table (the template's certificates table)."""
    return (
        f'      <tr data-status="{escape(row.status)}"><td><a href="../{escape(row.page)}">'
        f"{escape(row.number)}</a></td><td>{escape(row.title)}</td>"
        f"<td>{escape(row.exporter or '—')}</td><td>{escape(row.destination or '—')}</td>"
        f"<td>{escape(row.products or '—')}</td><td>{escape(row.issued_on)}</td>"
        f"<td>{escape(status_word(row.status))}</td></tr>\n"
    )


def register_files(
    shell: Shell,
    rows: list[YearRow],
    shell_key: str,
    whole: tuple[list[Row], dict[int, int]],
) -> dict[str, Planned]:
    """Year pages of the register and the index the register's filter loads, by year, for
    the years of ``rows``; the newest certificates and how many each year holds (``whole``:
    the register's newest rows, and the count of every year)."""
    by_year: dict[int, list[YearRow]] = {}
    for row in sorted(rows, key=newest_first, reverse=True):
        by_year.setdefault(row.year, []).append(row)
    newest, counts = whole
    years = [{"year": year, "count": counts[year]} for year in sorted(counts, reverse=True)]
    files = {"data/register/years.js": _planned_jsonp("years", years)}
    files["data/register/latest.js"] = Planned(
        content_key("latest", newest), partial(_latest_index, newest)
    )
    for year, year_rows in by_year.items():
        made = hashlib.sha256("\0".join(r.html + "\0" + r.json for r in year_rows).encode())
        key = content_key(year, made.hexdigest())
        files[f"data/register/{year}.js"] = Planned(key, partial(_year_index, year, year_rows))
        files[f"register/{year}.html"] = Planned(
            content_key(key, shell_key), partial(_year_page, shell, year, year_rows)
        )
    return files


def newest_first(row: Row | YearRow) -> tuple[str, str]:
    """What the register is ordered by (reversed): the day issued, then the ID (as
    ``RegisterView.newest``)."""
    return row.issued_on, row.id


def _latest_index(rows: list[Row]) -> bytes:
    """The newest certificates: what the register shows when it opens, whatever its size."""
    return jsonp("latest", [row.index_entry() for row in rows])


def _year_index(year: int, rows: list[YearRow]) -> bytes:
    """``jsonp`` of the rows' index entries, from the entries made (the same bytes)."""
    return data_file(f"year-{year}", "[" + ",".join(row.json for row in rows) + "]")


def _year_page(shell: Shell, year: int, rows: list[YearRow]) -> bytes:
    table = Markup("".join(row.html for row in rows))
    template = environment().get_template("register/year.html.j2")
    content = template.render(year=year, count=len(rows), rows=table)
    path = f"register/{year}.html"
    return shell.page(f"Certificates issued in {year}", path, content).encode("utf-8")
