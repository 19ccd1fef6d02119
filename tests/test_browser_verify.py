"""The Verify page checks a dropped certificate file in a real browser (Chromium), offline and
over HTTP: a signed PDF, a tampered JSON record, a PDF carrying a record signed by an unknown
key, and a cancelled certificate. The site is built with a throwaway key made in the test; the
files dropped are those a holder keeps: the PDF and the record as issued, opened with the
certificate's holder key (the site publishes them sealed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from pypdf import PdfReader

from generator.website.render import pdf_bytes
from tests.helpers import holder_details, holder_pdf, make_project, run, served
from tests.test_browser import browser, page
from tests.throwaway_keys import (
    built_with_key,
    forger,
    publish_throwaway_key,
)

__all__ = ["browser", "page"]  # the fixtures of test_browser, shared


@pytest.fixture(scope="module")
def signed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("verify")
    project = make_project(folder / "repo", True, True)
    built_with_key(project, publish_throwaway_key(project, folder / "secrets"))
    return project / "build" / "site"


@pytest.fixture(scope="module", params=["http", "file"])
def verify_url(request: pytest.FixtureRequest, signed_site: Path) -> Iterator[str]:
    if request.param == "file":
        yield (signed_site / "verify.html").as_uri()
        return
    with served(signed_site) as address:
        yield address + "verify.html"


def held_pdf(site: Path, certificate_id: str, folder: Path) -> Path:
    """The certificate's PDF as its holder's key opens it, in a file to drop."""
    path = folder / f"{certificate_id}.pdf"
    path.write_bytes(holder_pdf(site, certificate_id))
    return path


def held_record(site: Path, certificate_id: str) -> bytes:
    """The certificate's record as issued (canonical JSON), as its holder's key opens it."""
    return str(holder_details(site, certificate_id)["record"]).encode("utf-8")


def check_files(page: Page, url: str, files: list[Path]) -> str:
    page.goto(url)
    page.set_input_files("#certgen-file", [str(f) for f in files])
    result = page.locator("#certgen-file-result [data-verdict]")
    result.wait_for(timeout=20_000)
    return f"{result.get_attribute('data-verdict')}: {result.inner_text()}"


def test_a_signed_pdf_is_valid(
    page: Page, verify_url: str, signed_site: Path, tmp_path: Path
) -> None:
    pdf = held_pdf(signed_site, "IC-2026-0001", tmp_path)
    verdict = check_files(page, verify_url, [pdf])
    assert verdict.startswith("valid: Valid")
    assert "Signature: valid, signed by" in verdict and "Throwaway Test Certifier" in verdict
    assert "matches the record we published" in verdict
    assert page.console.problems == []  # type: ignore[attr-defined]


def test_a_json_record_alone_is_checked_with_the_published_signature(
    page: Page, verify_url: str, signed_site: Path, tmp_path: Path
) -> None:
    record = tmp_path / "EC-2026-0005.json"
    record.write_bytes(held_record(signed_site, "EC-2026-0005"))
    verdict = check_files(page, verify_url, [record])
    assert verdict.startswith("valid: Valid")


def test_the_public_json_record_is_not_a_certificate(
    page: Page, verify_url: str, signed_site: Path
) -> None:
    """The public record (public fields, digest and status) is not the record signed: dropped,
    it is never taken for a valid certificate."""
    verdict = check_files(page, verify_url, [signed_site / "certificates" / "EC-2026-0005.json"])
    assert verdict.startswith("not-valid: NOT VALID")


def test_a_tampered_json_record_is_not_valid(
    page: Page, verify_url: str, signed_site: Path, tmp_path: Path
) -> None:
    tampered = tmp_path / "IC-2026-0001.json"
    original = held_record(signed_site, "IC-2026-0001")
    changed = original.replace(b'"net_weight_kg":18000', b'"net_weight_kg":28000')
    assert changed != original
    tampered.write_bytes(changed)
    verdict = check_files(page, verify_url, [tampered])
    assert verdict.startswith("not-valid: NOT VALID")
    assert (
        "changed after it was signed" in verdict and "differs from the one we published" in verdict
    )


def test_a_record_signed_by_an_unknown_key_is_not_valid(
    page: Page, verify_url: str, signed_site: Path, tmp_path: Path
) -> None:
    genuine = PdfReader(held_pdf(signed_site, "IC-2026-0001", tmp_path)).attachments
    record = genuine["certificate.json"][0]
    signer = forger(tmp_path)
    forged = tmp_path / "forged.pdf"
    attachments = [("certificate.json", record), ("certificate.json.jws", signer.sign_json(record))]
    forged.write_bytes(signer.sign_pdf(pdf_bytes("<p>forged</p>", "", attachments), "Forger"))
    verdict = check_files(page, verify_url, [forged])
    assert verdict.startswith("not-valid: NOT VALID")
    assert "signed by a key we never published" in verdict


def test_a_cancelled_certificate_says_so_loudly(
    page: Page, verify_url: str, signed_site: Path, tmp_path: Path
) -> None:
    pdf = held_pdf(signed_site, "IC-2026-0007", tmp_path)
    verdict = check_files(page, verify_url, [pdf])
    assert verdict.startswith("not-valid: Cancelled: NOP Import Certificate")
    assert "This certificate was cancelled and is not valid." in verdict
    assert "Signature: valid" in verdict


def test_a_preview_pdf_is_not_valid(page: Page, verify_url: str, tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", True, True)
    assert run(["build"], project)[0] == 0
    pdf = held_pdf(project / "build" / "site", "IC-2026-0001", tmp_path)
    verdict = check_files(page, verify_url, [pdf])
    assert verdict.startswith("not-valid: NOT VALID") and "Signature: none" in verdict


def test_a_pdf_carrying_the_genuine_record_and_signature_is_not_valid(
    page: Page, verify_url: str, signed_site: Path, tmp_path: Path
) -> None:
    """The record and its signature are in every holder's hands (the signature in the lookups
    too): attached to another PDF, they prove nothing of that PDF, and the page says so."""
    genuine = PdfReader(held_pdf(signed_site, "IC-2026-0001", tmp_path)).attachments
    copied = [(name, genuine[name][0]) for name in ("certificate.json", "certificate.json.jws")]
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(pdf_bytes("<p>Net weight 180,000 kg</p>", "", copied))
    verdict = check_files(page, verify_url, [forged])
    assert verdict.startswith("not-valid: NOT VALID")
    assert "NOT the file we published" in verdict


def test_a_signed_pdf_changed_by_one_byte_is_not_valid(
    page: Page, verify_url: str, signed_site: Path, tmp_path: Path
) -> None:
    content = holder_pdf(signed_site, "IC-2026-0001")
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(content.replace(b"WeasyPrint", b"WeasyPrinT", 1))
    verdict = check_files(page, verify_url, [changed])
    assert verdict.startswith("not-valid: NOT VALID")
    assert "NOT the file we published" in verdict
