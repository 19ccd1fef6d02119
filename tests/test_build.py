"""certgen build end to end: the real check, the real MkDocs build (strict), the real PDF
renderer, on a copy of the repository."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import jsonschema
import pytest
import yaml
from pypdf import PdfReader

from generator.project import Project
from generator.record.public import AS_ISSUED, draft_of, strip_confidential
from generator.website import render
from generator.website.build import build
from generator.website.compiled_templates import compiled_kept, keep_compiled
from generator.website.render import certificate_fragment, pdf_bytes, pdf_html, qr_svg
from tests.helpers import ROOT, holder_details, holder_link, holder_pdf, make_project, run

PUBLISHED = ("issued", "cancelled", "superseded")
STATUS = ("status", "cancellation", "superseded_by")
PUBLIC_FIELDS = {"id", "number", "url", "kind", "document", "issued_on", "certifier", "supersedes"}
"""What data/publication.yaml makes public of every record."""
CONSENTED = {"EC-2026-0005": "Heartland Oat Mill", "EC-2026-0010": "Heartland Oat Mill"}
"""The examples whose exporter consented to publish exporter, destination and products
(data/operations.yaml, operation 5550000207)."""
REQUESTS = sorted((ROOT / "requests").rglob("*.yaml"))


def _published_ids() -> list[str]:
    ids = []
    for path in REQUESTS:
        data = yaml.safe_load(path.read_text("utf-8"))
        if data["status"] in PUBLISHED:
            ids.append(data["id"])
    return sorted(ids)


ISSUED = _published_ids()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples built once into a copy of the repository; returns the project root."""
    project = make_project(tmp_path_factory.mktemp("site") / "repo", True, True)
    code, out, err = run(["build"], project)
    assert code == 0, out + err
    assert f"{len(ISSUED)} certificates published" in out
    return project


def site_of(project: Path) -> Path:
    return project / "build" / "site"


def pdf_text(pdf: Path | bytes) -> str:
    """The text of a PDF: a file, or its bytes (a sealed PDF as its holder opens it)."""
    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
    return "\n".join(page.extract_text() for page in PdfReader(source).pages)


def full_record(site: Path, certificate_id: str) -> bytes:
    """The record as issued (canonical JSON), as the certificate's holder key opens it."""
    return str(holder_details(site, certificate_id)["record"]).encode("utf-8")


def test_every_issued_example_has_page_pdf_and_json(built: Path) -> None:
    """Each certificate publishes its public page and public JSON record, and, sealed for
    its holder, its details and its PDF; no PDF is published in the clear."""
    certificates = site_of(built) / "certificates"
    for certificate_id in ISSUED:
        for suffix in (".html", ".pdf.enc", ".json", ".holder.js"):
            assert (certificates / f"{certificate_id}{suffix}").is_file(), certificate_id + suffix
        assert holder_pdf(site_of(built), certificate_id).startswith(b"%PDF")
    pages = sorted(p.stem for p in certificates.glob("*.html"))
    assert pages == ISSUED  # requested ones are not published, the shell is gone
    assert sorted(p.name for p in site_of(built).rglob("*.pdf")) == []


def test_pdf_carries_number_status_and_digest(built: Path) -> None:
    site = site_of(built)
    raw = full_record(site, "IC-2026-0001")
    record = json.loads(raw)
    text = pdf_text(holder_pdf(site, "IC-2026-0001"))
    assert "555-5550000101-000231" in text
    assert "status today: scan the QR code" in " ".join(text.split())  # a PDF cannot follow
    digest = hashlib.sha256(raw).hexdigest()
    assert digest in text.replace("\n", "")
    assert record["number"] == "555-5550000101-000231"
    public = json.loads((site / "certificates" / "IC-2026-0001.json").read_bytes())
    assert public["sha256"] == digest  # the public record names the record as issued
    # the printed link opens the holder's view: the certificate's address with its key
    link = holder_link(record["url"], "IC-2026-0001")
    assert link.startswith(record["url"] + "#key=")
    assert link in "".join(text.split())


def test_json_records_follow_their_schema_and_the_digest(built: Path) -> None:
    """The record as issued (the holder's) follows the certificate schema, in canonical JSON;
    its SHA-256 is on the public page and in the public JSON record, which holds the public
    fields of that same record and its status today, in canonical JSON too."""
    schema = json.loads((ROOT / "schemas" / "certificate.schema.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    site = site_of(built)
    paths = sorted((site / "certificates").glob("*.json"))
    assert sorted(p.stem for p in paths) == ISSUED
    for path in paths:
        raw = full_record(site, path.stem)
        record = json.loads(raw)
        assert list(validator.iter_errors(record)) == [], path.name
        canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert raw == canonical.encode("utf-8")
        page = (path.with_suffix(".html")).read_text("utf-8")
        digest = hashlib.sha256(raw).hexdigest()
        assert digest in page
        published = path.read_bytes()
        public = json.loads(published)
        again = json.dumps(public, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert published == again.encode("utf-8")
        assert public["sha256"] == digest
        shown = {k: v for k, v in public.items() if k not in ("sha256", *STATUS)}
        assert shown == {k: record[k] for k in shown}, path.name  # fields of that record
        assert set(STATUS) <= set(public)


@pytest.mark.parametrize(
    ("certificate", "status", "words", "holder_words"),
    [
        ("IC-2026-0007", "cancelled", ["Cancelled", "the shipment was not made"], []),
        ("IC-2026-0004", "superseded", ["Superseded", 'href="IC-2026-0006.html"'], []),
        ("IC-2026-0002", "expired", ["Expired"], ["31 May 2026"]),  # validity: the holder's
        ("IC-2026-0006", "issued", ['href="IC-2026-0004.html"', "Replaces"], []),
    ],
)
def test_status_banners_and_links(
    built: Path, certificate: str, status: str, words: list[str], holder_words: list[str]
) -> None:
    """The status, its banner and the links between amended certificates are public: on the
    public page and in the holder's view alike; the validity period only in the holder's."""
    page = (site_of(built) / "certificates" / f"{certificate}.html").read_text("utf-8")
    details = holder_details(site_of(built), certificate)
    for view in (page, details["html"]):
        assert f'data-status="{status}"' in view
        for word in words:
            assert word in view
    for word in holder_words:
        assert word in details["html"] and word not in page
    record = json.loads(details["record"])
    assert "status" not in record  # the record as issued; its status lives in the register
    public = json.loads((site_of(built) / "certificates" / f"{certificate}.json").read_bytes())
    assert public["status"] == status  # the public record gives the status today
    listing = json.loads((site_of(built) / "downloads" / "certificates.json").read_bytes())
    assert {c["id"]: c["status"] for c in listing["certificates"]}[certificate] == status


def _leaves_of(value: object) -> set[str]:
    if isinstance(value, dict):
        return set().union(set(), *(_leaves_of(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(_leaves_of(v) for v in value))
    return set() if value is None else {str(value)}


@pytest.mark.parametrize("certificate", ISSUED)
def test_public_page_shows_only_the_public_and_consented_fields(
    built: Path, certificate: str
) -> None:
    """Without the key, a certificate's page and JSON record show its number, document,
    status, dates, certifier and the record's digest, plus the exporter, destination and
    products where the exporter consented (data/operations.yaml); never the holder's other
    values (parties, addresses, lots, weights, transport), nor the QR code and the link
    that carry the key. The page says where the details open."""
    site = site_of(built)
    page = (site / "certificates" / f"{certificate}.html").read_text("utf-8")
    published = (site / "certificates" / f"{certificate}.json").read_text("utf-8")
    public = json.loads(published)
    record = json.loads(full_record(site, certificate))
    consented = certificate in CONSENTED
    extra = {"exporter", "destination", "products"} if consented else set()
    assert set(public) == PUBLIC_FIELDS | extra | {"sha256", *STATUS}
    assert f"<strong>{record['number']}</strong>" in page
    assert record["document"]["title"] in page and record["certifier"]["name"] in page
    assert public["sha256"] in page and 'data-status="' in page
    assert 'id="certgen-holder"' in page and "Details for the holder" in page
    assert f'data-details="certificates/{certificate}.holder.js"' in page
    assert f'data-pdf="{certificate}.pdf.enc"' in page
    assert "certgen-qr" not in page and "#key=" not in page and "#key=" not in published
    if consented:
        assert f"{CONSENTED[certificate]} ({record['exporter']['operation_id']})" in page
        assert record["destination"]["country_name"] in page
        for product in record["products"]:
            assert product["name_as_labeled"] in page
    else:
        assert "<dt>Exporter</dt>" not in page and "<dt>Products</dt>" not in page
    hidden = set().union(set(), *(_leaves_of(v) for k, v in record.items() if k not in public))
    shown = _leaves_of(public)
    hidden = {  # names, addresses, numbers: values a word of the page cannot match by chance
        value
        for value in hidden
        if len(value) >= 5 and re.search(r"[\d ]", value) and not any(value in s for s in shown)
    }
    assert len(hidden) >= 5
    assert sorted(v for v in hidden if v in page or v in published) == []


def test_certificate_pages_share_the_material_look(built: Path) -> None:
    page = (site_of(built) / "certificates" / "EC-2026-0005.html").read_text("utf-8")
    home = (site_of(built) / "index.html").read_text("utf-8")
    for marker in (
        'class="md-header',
        'data-md-component="search"',
        "md-nav",
        "assets/stylesheets/certgen.css",
    ):
        assert marker in page and marker in home
    assert "<title>TM-11 export certificate EC-2026-0005" in page
    assert (
        'rel="canonical" href="https://certificates.cascadia-organic.example/certificates/EC-2026-0005.html"'
        in page
    )
    assert "CERTGEN_" not in page


def test_register_downloads_and_feed(built: Path) -> None:
    site = site_of(built)
    listing = json.loads((site / "downloads" / "certificates.json").read_bytes())
    assert [c["id"] for c in listing["certificates"]] == ISSUED
    rows = (site / "downloads" / "certificates.csv").read_text("utf-8").splitlines()
    assert rows[0].startswith("id,number,document_type,status")
    assert len(rows) == len(ISSUED) + 1
    feed = (site / "downloads" / "feed.xml").read_text("utf-8")
    assert feed.count("<entry>") == len(ISSUED)
    year = (site / "register" / "2026.html").read_text("utf-8")
    assert "555-5550000101-000231" in year and "COI.EU.US.2026.0001234" in year


def test_rule_and_format_references_are_current(built: Path) -> None:
    from generator.check.catalog import all_codes

    rules = (site_of(built) / "reference" / "rules.html").read_text("utf-8")
    for code in all_codes().values():
        assert f'id="{code.code.lower()}"' in rules, code.code
    schema = json.loads((ROOT / "schemas" / "request.schema.json").read_text("utf-8"))
    formats = (site_of(built) / "reference" / "format.html").read_text("utf-8")
    for definition in ("import_request", "export_request"):
        for name in schema["$defs"][definition]["properties"]:
            assert f"<code>{name}</code>" in formats, name
    assert "<code>products[].tariff_code</code>" in formats


def test_guidance_comes_from_data(built: Path) -> None:
    site = site_of(built)
    fees = (site / "guidance" / "fees.html").read_text("utf-8")
    assert "225.00" in fees and "Thanksgiving Day" in fees
    documents = (site / "guidance" / "documents.html").read_text("utf-8")
    assert "US-Japan Organic Equivalence Arrangement" in documents
    assert "AIT/TECRO-NOP/AFA Organic Equivalence Arrangement" in documents
    assert "since 2020-05-30" in documents and "Article 48" in documents
    operations = (site / "operations.html").read_text("utf-8")
    assert "5550000106" in operations and "suspended" in operations


def _confidential_values() -> set[str]:
    schema = json.loads((ROOT / "schemas" / "request.schema.json").read_text("utf-8"))
    values: set[str] = set()
    for path in REQUESTS:
        data = yaml.safe_load(path.read_text("utf-8"))
        kept = strip_confidential(data, schema, schema)
        values |= _leaves(data) - _leaves(kept)
    operations = yaml.safe_load((ROOT / "data" / "operations.yaml").read_text("utf-8"))
    for operation in operations["operations"]:
        values |= _leaves(operation.get("contact", {}))
    return {v for v in values if len(v) >= 5}


def _leaves(value: object) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_leaves(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_leaves(v) for v in value)) if value else set()
    return {str(value)}


def test_no_confidential_value_is_published(built: Path) -> None:
    """No x-confidential value, nor any client contact, is in any published file, nor in
    what a holder's key opens (details, record and PDF): they never leave the repository."""
    values = _confidential_values()
    assert {"INV-88812", "elin.sjoberg@nordicorganic.example", "187300"} <= values
    leaks = []
    site = site_of(built)
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        text = (
            pdf_text(path) if path.suffix == ".pdf" else path.read_bytes().decode("utf-8", "ignore")
        )
        leaks += [(path.name, value) for value in values if value in text]
    for certificate_id in ISSUED:
        details = holder_details(site, certificate_id)
        opened = {
            f"{certificate_id} holder details": json.dumps(details, ensure_ascii=False),
            f"{certificate_id} PDF": pdf_text(holder_pdf(site, certificate_id)),
        }
        leaks += [(name, v) for name, text in opened.items() for v in values if v in text]
    assert leaks == []


def _schema_marking(*confidential: str) -> dict[str, Any]:
    """The request schema, with the ``$defs`` members named (``definition/member``) marked
    x-confidential (a fresh copy: strip_confidential remembers each schema node it read)."""
    schema: dict[str, Any] = json.loads((ROOT / "schemas" / "request.schema.json").read_text())
    for name in confidential:
        definition, member = name.split("/")
        schema["$defs"][definition]["properties"][member]["x-confidential"] = True
    return schema


@pytest.mark.parametrize("confidential", [(), ("cancellation/note",), ("cancellation/reason",)])
def test_a_status_member_marked_confidential_is_not_published(confidential: tuple[str]) -> None:
    """A certificate's status comes from its request's status members, each stripped of
    what the schema marks x-confidential: what the whole request stripped would give, so
    marking a cancellation's field confidential keeps it out."""
    data = yaml.safe_load((ROOT / "requests" / "2026" / "IC-2026-0007.yaml").read_text("utf-8"))
    data["cancellation"]["note"] = "a public note"
    record = {"id": data["id"], "number": "N", "document": {"title": "T", "type": "t"}}
    record |= {"status": "issued", "issued_on": "2026-01-01", "url": "u", "validity": None}
    schema = _schema_marking(*confidential)
    status = draft_of(data, b"{}", record, schema, "https://e.org/", frozenset({"id"})).status
    whole = strip_confidential(data, schema, schema)
    assert status["status"] == whole["status"] == "cancelled"
    shown = {k: v for k, v in whole["cancellation"].items() if k != "cancelled_by"}
    assert status["cancellation"] == shown
    for name in confidential:
        assert name.split("/")[1] not in status["cancellation"]


def test_mkdocs_build_strict_passes(built: Path, tmp_path: Path) -> None:
    """The repository's mkdocs.yml builds with the real MkDocs CLI in strict mode; the certgen
    plugin adds the certificates too."""
    out = tmp_path / "mkdocs-site"
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=built,
        capture_output=True,
        text=True,
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
    )
    assert completed.returncode == 0, completed.stderr
    assert (out / "certificates" / "EC-2026-0001.html").is_file()
    assert not (out / "certificates" / "shell.html").exists()


def test_build_is_deterministic(built: Path, tmp_path: Path) -> None:
    other = make_project(tmp_path / "again", True, True)
    assert run(["build"], other)[0] == 0

    def digests(site: Path) -> dict[str, str]:
        return {
            str(p.relative_to(site)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*"))
            if p.is_file()
        }

    assert digests(site_of(other)) == digests(site_of(built))


def test_rebuild_after_one_change_redoes_only_that_certificate(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", True, True)
    assert run(["build"], project)[0] == 0
    certificates = site_of(project) / "certificates"
    before = {p.name: p.stat().st_mtime_ns for p in certificates.iterdir()}
    request = project / "requests" / "2026" / "IC-2026-0007.yaml"
    request.write_text(request.read_text().replace("the fruit was sold locally", "sold locally"))
    code, out, _ = run(["build"], project)
    assert code == 0
    assert "1 pages and 0 PDFs made" in out  # a status note: the record as issued is unchanged
    after = {p.name: p.stat().st_mtime_ns for p in certificates.iterdir()}
    changed = sorted(name for name in before if before[name] != after[name])
    # the note is public (the public record and page) and in the holder's view; the PDF
    # shows the record as issued and stays as it is
    assert changed == ["IC-2026-0007.holder.js", "IC-2026-0007.html", "IC-2026-0007.json"]
    code, out, _ = run(["build"], project)
    assert "0 pages and 0 PDFs made, 0 other files updated, 0 removed" in out


def test_mkdocs_runs_only_when_the_pages_inputs_change(tmp_path: Path) -> None:
    project = Project(make_project(tmp_path / "repo", True, True))
    out = tmp_path / "out"
    assert build(project, out, make_pdf=False).mkdocs_ran
    request = project.requests_dir / "2026" / "IC-2026-0007.yaml"
    request.write_text(request.read_text().replace("the fruit was sold locally", "sold locally"))
    assert not build(project, out, make_pdf=False).mkdocs_ran  # a request is not a page input
    guidance = project.root / "site" / "guidance" / "submit.md"
    guidance.write_text(guidance.read_text() + "\nOne more line.\n")
    assert build(project, out, make_pdf=False).mkdocs_ran
    assert "One more line." in (out / "guidance" / "submit.html").read_text()


def test_build_refuses_when_the_register_has_errors(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", True, True)
    request = project / "requests" / "2026" / "IC-2026-0003.yaml"
    request.write_text(request.read_text().replace('"5550000104"', "5550000104"))
    code, out, err = run(["build"], project)
    assert code == 1
    assert "requests/2026/IC-2026-0003.yaml:10:17: S001" in out
    assert "nothing was published" in err
    assert not site_of(project).exists()


def test_build_into_another_folder(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    code, _, _ = run(["build", "--out", str(out), "--no-pdf"], built)
    assert code == 0
    assert (out / "certificates" / "EC-2026-0001.html").is_file()
    assert (out / "certificates" / "EC-2026-0001.holder.js").is_file()
    assert not (out / "certificates" / "EC-2026-0001.pdf.enc").exists()
    assert not (out / "certificates" / "EC-2026-0001.pdf").exists()
    page = (out / "certificates" / "EC-2026-0001.html").read_text()
    assert "EC-2026-0001.pdf" not in page and "data-pdf" not in page


def test_hostile_text_is_shown_as_text_everywhere(tmp_path: Path) -> None:
    """A hostile exporter name (which its consent makes public) and importer name (the
    holder's) are text on the public page, the holder's view, the register, the CSV, the
    feed and the PDF."""
    project = make_project(tmp_path / "repo", True, True)
    hostile = '<script>alert(1)</script> **bold** [x](javascript:alert(2)) =HYPERLINK("y")'
    operations = project / "data" / "operations.yaml"
    consent = (
        "    publication_consent:\n"
        "      fields: [exporter, destination, products]\n"
        "      given_on: 2025-11-03\n"
        '      kept_in: "client file 5550000203 (test)"\n'
        "    contact: {name: Dev Patel"
    )
    text = operations.read_text().replace("name: Golden State Almond Growers", f"name: '{hostile}'")
    assert text.count("    contact: {name: Dev Patel") == 1
    operations.write_text(text.replace("    contact: {name: Dev Patel", consent))
    request = project / "requests" / "2026" / "EC-2026-0001.yaml"
    text = request.read_text().replace("name: Golden State Almond Growers", f"name: '{hostile}'")
    request.write_text(text.replace("name: Nordic Organic Foods AB", f"name: '{hostile}'"))
    Project(project).frozen_record("EC-2026-0001").unlink()  # issued with these names
    code, out, err = run(["freeze", "requests/2026/EC-2026-0001.yaml"], project)
    assert code == 0, out + err
    code, out, err = run(["build"], project)
    assert code == 0, out + err
    site = site_of(project)
    views = {
        page: (site / page).read_text("utf-8")
        for page in ("certificates/EC-2026-0001.html", "operations.html", "register/2026.html")
    }
    details = holder_details(site, "EC-2026-0001")["html"]
    views["holder view of EC-2026-0001"] = details
    assert details.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # exporter, importer
    for page, html in views.items():
        assert "<script>alert(1)" not in html, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
        assert "javascript:alert(2)" not in html.replace("[x](javascript:alert(2))", ""), page
        assert "<strong>bold</strong>" not in html, page
    csv_text = (site / "downloads" / "certificates.csv").read_text("utf-8")
    assert "'<script>" not in csv_text  # only cells starting with a formula sign are quoted
    feed = (site / "downloads" / "feed.xml").read_text("utf-8")
    assert "<script>" not in feed and "&lt;script&gt;" in feed
    assert "<script>alert(1)</script>" in pdf_text(holder_pdf(site, "EC-2026-0001"))
    for js in (site / "data").rglob("*.js"):
        assert "</script>" not in js.read_text("utf-8")


def test_pdf_fits_letter_and_a4(built: Path) -> None:
    raw = full_record(site_of(built), "EC-2026-0001")
    record = json.loads(raw) | AS_ISSUED
    record["url"] = holder_link(record["url"], "EC-2026-0001")  # as the PDF prints it
    base = "https://certificates.cascadia-organic.example/certificates/"
    digest = hashlib.sha256(raw).hexdigest()
    fragment = certificate_fragment(record, digest, qr_svg(record["url"]), base, True)
    source = pdf_html(record, fragment)
    assert "size: letter" in source
    letter = PdfReader(io.BytesIO(pdf_bytes(source, str(built))))
    a4 = PdfReader(io.BytesIO(pdf_bytes(source.replace("size: letter", "size: A4"), str(built))))
    assert [round(float(p.mediabox.width)) for p in letter.pages][:1] == [612]
    assert [round(float(p.mediabox.width)) for p in a4.pages][:1] == [595]
    assert len(letter.pages) == len(a4.pages)

    def characters(pdf: PdfReader) -> list[str]:
        """Every character shown, in any order: lines break at other places on A4."""
        return sorted(re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages)))

    assert characters(letter) == characters(a4)


def test_golden_certificates(built: Path) -> None:
    """One certificate of each document type, as its holder's key opens it, compared with
    tests/golden; regenerate with CERTGEN_UPDATE_GOLDEN=1 after a deliberate change and
    review the diff."""
    golden = ROOT / "tests" / "golden"
    chosen = {
        "IC-2026-0001": "nop_import_certificate",
        "EC-2026-0001": "traces_coi",
        "EC-2026-0004": "gb_coi",
        "EC-2026-0005": "tm11",
        "EC-2026-0007": "naqs_certificate",
        "EC-2026-0008": "canada_attestation",
        "EC-2026-0010": "transaction_certificate",
    }
    for certificate, document_type in chosen.items():
        fragment = str(holder_details(site_of(built), certificate)["html"])
        start = fragment.index('<article class="certgen-certificate')
        assert start == 0 and fragment.endswith("</article>\n"), document_type
        expected = golden / f"{document_type}.html"
        if os.environ.get("CERTGEN_UPDATE_GOLDEN"):
            expected.parent.mkdir(exist_ok=True)
            expected.write_text(fragment, "utf-8")
        assert fragment == expected.read_text("utf-8"), document_type
    assert sorted(p.stem for p in golden.glob("*.html")) == sorted(chosen.values())


def test_serve_rebuilds_when_data_changes(tmp_path: Path) -> None:
    """certgen serve: the site is served, and rebuilt after a data file changes."""
    import socket
    import time
    import urllib.request

    project = make_project(tmp_path / "repo", True, True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
    )

    def fetch(path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as response:
            return str(response.read().decode("utf-8"))

    def wait_for(path: str, text: str, seconds: float = 90) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                page = fetch(path)
                if text in page:
                    return page
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"{text!r} never appeared in {path}")

    try:
        wait_for("certificates/EC-2026-0005.html", "TM-11 export certificate")
        trainings = project / "data" / "trainings.yaml"
        trainings.write_text(
            trainings.read_text().replace(
                "NOP Import Certificates after SOE", "NOP Import Certificates, revised"
            )
        )
        wait_for("guidance/trainings.html", "NOP Import Certificates, revised")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_progress_bar_shows_only_for_long_builds_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from generator.website import certificate_files

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with certificate_files._progress(500, True) as bar:
        bar.update(500)
    assert "rendering certificates" in terminal.getvalue() and "500/500" in terminal.getvalue()
    assert certificate_files._progress(150, True).disable  # short
    assert certificate_files._progress(500, False).disable  # not asked
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert certificate_files._progress(500, True).disable  # not a terminal


@pytest.mark.parametrize(
    "source",
    [
        "{{ r.name }}",
        "{{ r['items'] | join(',') }}|{{ r.items() | list | length }}",  # a key named as a method
        "{{ r.get('name') }}|{{ r.keys() | list }}",
        "{{ r.nested.deeper }}",
        "{% if r.missing is defined %}yes{% else %}no{% endif %}",
        "{{ r.missing }}",
        "{{ r.nested.missing }}",
        "{{ r.__class__.__name__ }}",
    ],
)
def test_the_record_environment_finds_what_jinjas_finds(source: str) -> None:
    """The certificates' environment looks up a dictionary's keys before its attributes (a
    sixth of a certificate's render): every lookup, found or not, a key named as one of
    dict's methods included, gives what Jinja's own gives (StrictUndefined raising alike)."""
    record = {"name": "Dry Creek", "items": ["oats"], "nested": {"deeper": 1}}

    def rendered(environment: jinja2.Environment) -> str:
        try:
            return environment.from_string(source).render(r=record)
        except jinja2.UndefinedError as error:
            return f"undefined: {error}"

    ours = render.environment()
    jinjas = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    assert type(ours).getattr is not jinja2.Environment.getattr
    assert rendered(ours) == rendered(jinjas)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_templates_compiled_by_an_earlier_build_give_the_same_site(tmp_path: Path) -> None:
    """certgen build keeps its compiled templates (the certificates' and MkDocs' theme's) in
    its cache folder. A build from nothing in a new process reads them, leaves them as they
    were (not compiled again) and gives the output folder the build that compiled them gave."""
    project = make_project(tmp_path / "project", with_requests=True, with_site=True)
    environment = os.environ | {"CERTGEN_CACHE_DIR": str(tmp_path / "cache")}
    environment.pop("SOURCE_DATE_EPOCH", None)
    command = [sys.executable, "-m", "generator", "build", "--no-pdf"]
    site = project / "build" / "site"
    subprocess.run(command, cwd=project, env=environment, check=True, capture_output=True)
    first = _files(site)
    kept = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").glob("*/templates/*/*/*")}
    assert {p.parent.parent.name for p in kept} == {"certificates", "mkdocs"}
    shutil.rmtree(site)
    for made in (tmp_path / "cache").glob("*/mkdocs*"):  # MkDocs runs again
        shutil.rmtree(made) if made.is_dir() else made.unlink()
    subprocess.run(command, cwd=project, env=environment, check=True, capture_output=True)
    assert _files(site) == first
    assert {p: p.stat().st_mtime_ns for p in kept} == kept


COMPILED: list[str] = []
"""The sources ``_compiled`` had Jinja compile (not read as kept)."""


def _compiled(folder: Path, source: str, made_by: str, **settings: Any) -> str:
    environment = jinja2.Environment(loader=jinja2.DictLoader({"page": source}), **settings)
    compile_source = environment.compile

    def compiling(template_source: str, *args: Any, **kwargs: Any) -> Any:
        COMPILED.append(template_source)
        return compile_source(template_source, *args, **kwargs)

    environment.compile = compiling  # type: ignore[method-assign]
    keep_compiled(environment, folder, made_by)
    return environment.get_template("page").render(name="<Dry Creek>")


def test_a_kept_compiled_template_is_used_only_for_its_own_source(tmp_path: Path) -> None:
    """A template whose source changed is compiled again (Jinja checks the source), and what
    else shapes the compiled code names the folder (the code that made the environment, its
    settings): a change to it compiles every template again, the earlier folder removed."""
    kept = tmp_path / "kept"
    COMPILED.clear()
    assert _compiled(kept, "Hello {{ name }}", "code 1") == "Hello <Dry Creek>"
    assert _compiled(kept, "Hello {{ name }}", "code 1") == "Hello <Dry Creek>"
    assert COMPILED == ["Hello {{ name }}"]  # compiled once, then read as kept
    assert _compiled(kept, "Goodbye {{ name }}", "code 1") == "Goodbye <Dry Creek>"
    assert COMPILED[-1] == "Goodbye {{ name }}"
    first = {p.name for p in kept.iterdir()}
    assert _compiled(kept, "Goodbye {{ name }}", "code 2") == "Goodbye <Dry Creek>"
    second = {p.name for p in kept.iterdir()}
    assert len(first) == len(second) == 1 and first != second
    escaped = _compiled(kept, "Goodbye {{ name }}", "code 2", autoescape=True)
    assert escaped == "Goodbye &lt;Dry Creek&gt;"
    assert {p.name for p in kept.iterdir()} != second


def test_kept_compiled_templates_never_fail_a_build(tmp_path: Path) -> None:
    """A kept compiled template that is damaged is compiled again and kept anew; a folder
    that cannot be written keeps nothing; neither fails. ``compiled_kept`` leaves a
    process-wide environment as it found it."""
    kept = tmp_path / "kept"
    assert _compiled(kept, "Hello {{ name }}", "code") == "Hello <Dry Creek>"
    (compiled,) = kept.glob("*/*")
    compiled.write_bytes(compiled.read_bytes()[:12])  # cut short
    assert _compiled(kept, "Hello {{ name }}", "code") == "Hello <Dry Creek>"
    assert len(compiled.read_bytes()) > 12
    environment = jinja2.Environment(loader=jinja2.DictLoader({"page": "Hi {{ name }}"}))
    keep_compiled(environment, kept, "code")
    shutil.rmtree(kept)
    assert environment.get_template("page").render(name="you") == "Hi you"
    with compiled_kept(environment, tmp_path / "other", "code"):
        assert environment.bytecode_cache is not None
    assert environment.bytecode_cache is not None and str(kept) in str(
        getattr(environment.bytecode_cache, "directory", "")
    )
    (tmp_path / "file").write_text("not a folder")
    plain = jinja2.Environment()
    keep_compiled(plain, tmp_path / "file", "code")
    assert plain.bytecode_cache is None
