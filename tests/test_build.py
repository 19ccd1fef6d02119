"""certgen build end to end: the real check, the real MkDocs build (strict), the real PDF
renderer, on a copy of the repository."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from pypdf import PdfReader

from generator.project import Project
from generator.record.public import AS_ISSUED, strip_confidential
from generator.website.build import build
from generator.website.render import certificate_fragment, pdf_bytes, pdf_html, qr_svg
from tests.helpers import ROOT, make_project, run

PUBLISHED = ("issued", "cancelled", "superseded")
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


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_every_issued_example_has_page_pdf_and_json(built: Path) -> None:
    certificates = site_of(built) / "certificates"
    for certificate_id in ISSUED:
        for suffix in (".html", ".pdf", ".json"):
            assert (certificates / f"{certificate_id}{suffix}").is_file(), certificate_id + suffix
    pages = sorted(p.stem for p in certificates.glob("*.html"))
    assert pages == ISSUED  # requested ones are not published, the shell is gone


def test_pdf_carries_number_status_and_digest(built: Path) -> None:
    record = json.loads((site_of(built) / "certificates" / "IC-2026-0001.json").read_bytes())
    text = pdf_text(site_of(built) / "certificates" / "IC-2026-0001.pdf")
    assert "555-5550000101-000231" in text
    assert "status today: scan the QR code" in " ".join(text.split())  # a PDF cannot follow
    digest = hashlib.sha256((site_of(built) / "certificates" / "IC-2026-0001.json").read_bytes())
    assert digest.hexdigest() in text.replace("\n", "")
    assert record["number"] == "555-5550000101-000231"


def test_json_records_follow_their_schema_and_the_digest(built: Path) -> None:
    schema = json.loads((ROOT / "schemas" / "certificate.schema.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for path in sorted((site_of(built) / "certificates").glob("*.json")):
        raw = path.read_bytes()
        record = json.loads(raw)
        assert list(validator.iter_errors(record)) == [], path.name
        canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert raw == canonical.encode("utf-8")
        page = (path.with_suffix(".html")).read_text("utf-8")
        assert hashlib.sha256(raw).hexdigest() in page


@pytest.mark.parametrize(
    ("certificate", "status", "words"),
    [
        ("IC-2026-0007", "cancelled", ["Cancelled", "the shipment was not made"]),
        ("IC-2026-0004", "superseded", ["Superseded", 'href="IC-2026-0006.html"']),
        ("IC-2026-0002", "expired", ["Expired", "31 May 2026"]),
        ("IC-2026-0006", "issued", ['href="IC-2026-0004.html"', "Replaces"]),
    ],
)
def test_status_banners_and_links(
    built: Path, certificate: str, status: str, words: list[str]
) -> None:
    page = (site_of(built) / "certificates" / f"{certificate}.html").read_text("utf-8")
    assert f'data-status="{status}"' in page
    for word in words:
        assert word in page
    record = json.loads((site_of(built) / "certificates" / f"{certificate}.json").read_bytes())
    assert "status" not in record  # the record as issued; its status lives in the register
    listing = json.loads((site_of(built) / "downloads" / "certificates.json").read_bytes())
    assert {c["id"]: c["status"] for c in listing["certificates"]}[certificate] == status


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
    values = _confidential_values()
    assert {"INV-88812", "elin.sjoberg@nordicorganic.example", "187300"} <= values
    leaks = []
    for path in sorted(site_of(built).rglob("*")):
        if not path.is_file():
            continue
        text = (
            pdf_text(path) if path.suffix == ".pdf" else path.read_bytes().decode("utf-8", "ignore")
        )
        leaks += [(path.name, value) for value in values if value in text]
    assert leaks == []


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
    assert changed == ["IC-2026-0007.html"]
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
    assert not (out / "certificates" / "EC-2026-0001.pdf").exists()
    assert "EC-2026-0001.pdf" not in (out / "certificates" / "EC-2026-0001.html").read_text()


def test_hostile_text_is_shown_as_text_everywhere(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", True, True)
    hostile = '<script>alert(1)</script> **bold** [x](javascript:alert(2)) =HYPERLINK("y")'
    operations = project / "data" / "operations.yaml"
    operations.write_text(
        operations.read_text().replace("name: Golden State Almond Growers", f"name: '{hostile}'")
    )
    request = project / "requests" / "2026" / "EC-2026-0001.yaml"
    text = request.read_text().replace("name: Golden State Almond Growers", f"name: '{hostile}'")
    request.write_text(text.replace("name: Nordic Organic Foods AB", f"name: '{hostile}'"))
    Project(project).frozen_record("EC-2026-0001").unlink()  # issued with these names
    code, out, err = run(["freeze", "requests/2026/EC-2026-0001.yaml"], project)
    assert code == 0, out + err
    code, out, err = run(["build"], project)
    assert code == 0, out + err
    site = site_of(project)
    for page in ("certificates/EC-2026-0001.html", "operations.html", "register/2026.html"):
        html = (site / page).read_text("utf-8")
        assert "<script>alert(1)" not in html, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
        assert "javascript:alert(2)" not in html.replace("[x](javascript:alert(2))", ""), page
        assert "<strong>bold</strong>" not in html, page
    csv_text = (site / "downloads" / "certificates.csv").read_text("utf-8")
    assert "'<script>" not in csv_text  # only cells starting with a formula sign are quoted
    feed = (site / "downloads" / "feed.xml").read_text("utf-8")
    assert "<script>" not in feed and "&lt;script&gt;" in feed
    assert "<script>alert(1)</script>" in pdf_text(site / "certificates" / "EC-2026-0001.pdf")
    for js in (site / "data").rglob("*.js"):
        assert "</script>" not in js.read_text("utf-8")


def test_pdf_fits_letter_and_a4(built: Path) -> None:
    raw = (site_of(built) / "certificates" / "EC-2026-0001.json").read_bytes()
    record = json.loads(raw) | AS_ISSUED
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
    """One certificate of each document type, compared with tests/golden; regenerate with
    CERTGEN_UPDATE_GOLDEN=1 after a deliberate change and review the diff."""
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
        page = (site_of(built) / "certificates" / f"{certificate}.html").read_text("utf-8")
        start = page.index('<article class="certgen-certificate')
        fragment = page[start : page.index("</article>", start) + len("</article>")] + "\n"
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
