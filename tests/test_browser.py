"""The built site in a real browser: Debian's Chromium driven by Playwright, over HTTP and from
disk, with axe-core for accessibility. .ci/run installs Chromium and axe-core."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.helpers import (
    ROOT,
    chromium,
    holder_details,
    holder_link,
    holder_pdf,
    make_project,
    run,
    served,
)

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SITE_URL = "https://certificates.cascadia-organic.example/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("browser") / "repo", True, True)
    code, out, err = run(["build"], project)
    assert code == 0, out + err
    return project / "build" / "site"


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with served(site) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


class Console:
    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda request: self.problems.append(f"failed: {request.url}"))

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text}")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.console = Console(opened)  # type: ignore[attr-defined]
    yield opened
    context.close()


def test_home_loads_without_console_errors(page: Page, base_url: str) -> None:
    page.goto(base_url + "index.html")
    assert "Cascadia Organic Certifiers" in page.title()
    assert page.locator("h1").first.inner_text().startswith("Cascadia Organic Certifiers")
    page.wait_for_load_state("networkidle")
    assert page.console.problems == []  # type: ignore[attr-defined]


def test_register_filter_finds_a_certificate_by_number(page: Page, base_url: str) -> None:
    """A number finds its certificate; the row shows what is public (the exporter gave no
    consent: no exporter, destination or products), and links to its page."""
    page.goto(base_url + "register/index.html")
    page.locator("#certgen-register-results tbody tr").first.wait_for()  # the newest year
    page.fill("#certgen-query", "555-5550000105-000261")
    rows = page.locator("#certgen-register-results tbody tr")
    page.wait_for_function(
        "document.querySelectorAll('#certgen-register-results tbody tr').length === 1"
    )
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "555-5550000105-000261" in row and "NOP Import Certificate" in row
    assert "2026-03-06" in row and "Valid" in row
    assert "Organic Green Coffee Beans" not in row  # the holder's
    page.click("#certgen-register-results tbody a")
    page.wait_for_url("**/certificates/IC-2026-0006.html")
    assert page.console.problems == []  # type: ignore[attr-defined]


def test_register_filter_by_status_and_year_page(page: Page, base_url: str) -> None:
    page.goto(base_url + "register/index.html")
    page.locator("#certgen-register-results tbody tr").first.wait_for()  # the newest year
    page.select_option("#certgen-status", "cancelled")
    page.wait_for_function(
        "document.querySelectorAll('#certgen-register-results tbody tr').length === 1"
    )
    assert "Cancelled" in page.locator("#certgen-register-results tbody tr").inner_text()
    page.goto(base_url + "register/2026.html")
    page.fill("#certgen-year-query", "Japan")
    visible = page.locator(".certgen-year-table tbody tr:not([hidden])")
    assert visible.count() == 1
    assert "EC-2026-0005" in visible.first.inner_text()


def _qr_url(page: Page) -> str:
    """Scan the QR code the way a phone would: from a picture of the page."""
    png = page.locator(".certgen-qr svg").screenshot()
    result = zxingcpp.read_barcode(Image.open(io.BytesIO(png)))
    assert result is not None and result.valid
    return str(result.text)


def _open_holder_view(page: Page, url: str) -> str:
    """Open a holder link and wait until the page has opened the details with its key;
    returns the signature state the page found. The link is opened afresh, as from a
    scanned QR code: the page left first finishes loading (a request it still had running
    would be cut short, and counted as a failure), and a link differing only by its
    fragment is not a same-page jump (the page reloads on one, cutting its favicon short)."""
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")
    page.goto(url)
    check = page.locator("[data-signature]")
    check.wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")
    return str(check.get_attribute("data-signature"))


def test_certificate_page_shows_status_qr_and_digest(page: Page, base_url: str, site: Path) -> None:
    """Without the key, the page shows the status, number and digest, and no QR code nor
    any detail; with the holder link (the key in the fragment) it shows the whole
    certificate: status, QR code (which carries that same link) and digest, and its PDF."""
    record = holder_details(site, "IC-2026-0001")["record"].encode("utf-8")
    digest = hashlib.sha256(record).hexdigest()
    page.goto(base_url + "certificates/IC-2026-0001.html")
    assert page.locator(".certgen-status").inner_text() == "Valid"
    assert page.locator(".certgen-number strong").inner_text() == "555-5550000101-000231"
    assert page.locator(".certgen-digest").inner_text() == digest
    public = page.request.get(base_url + "certificates/IC-2026-0001.json").json()
    assert public["sha256"] == digest and public["status"] == "issued"
    assert page.locator(".certgen-qr").count() == 0  # the key is only on the certificate
    assert page.locator("[data-signature]").count() == 0
    for name in ("Pacific Fresh Imports LLC", "Aguacates del Valle", "Organic Hass Avocados"):
        assert name not in page.locator("article").first.inner_text()  # the holder's
    assert "confidential to whoever holds it" in page.locator("#certgen-holder").inner_text()

    link = holder_link(base_url + "certificates/IC-2026-0001.html", "IC-2026-0001")
    assert _open_holder_view(page, link) == "unsigned"  # built without a key: a preview
    assert page.locator(".certgen-status").inner_text() == "Valid"
    assert page.locator(".certgen-number strong").inner_text() == "555-5550000101-000231"
    assert page.locator(".certgen-digest").inner_text() == digest
    for name in ("Pacific Fresh Imports LLC", "Aguacates del Valle", "Organic Hass Avocados"):
        assert name in page.locator("article").first.inner_text()  # the details, opened
    scanned = _qr_url(page)
    assert scanned == holder_link(SITE_URL + "certificates/IC-2026-0001.html", "IC-2026-0001")
    # follow the QR link on the local copy
    assert _open_holder_view(page, scanned.replace(SITE_URL, base_url)) == "unsigned"
    assert page.locator(".certgen-number strong").inner_text() == "555-5550000101-000231"
    with page.expect_download() as download:
        page.locator(".certgen-downloads a", has_text="PDF").click()
    opened = Path(download.value.path()).read_bytes()
    assert opened.startswith(b"%PDF") and opened == holder_pdf(site, "IC-2026-0001")
    assert page.console.problems == []  # type: ignore[attr-defined]


def test_a_wrong_key_shows_only_the_public_fields(page: Page, base_url: str) -> None:
    """A link whose key is not the certificate's opens nothing, and says so."""
    wrong = holder_link(base_url + "certificates/IC-2026-0001.html", "IC-2026-0002")
    page.goto(wrong)
    box = page.locator('#certgen-holder[data-holder="wrong-key"]')
    box.wait_for(timeout=20_000)
    assert "does not open this certificate" in box.inner_text()
    assert page.locator("[data-signature]").count() == 0
    assert page.locator(".certgen-qr").count() == 0
    assert page.locator(".certgen-number strong").inner_text() == "555-5550000101-000231"
    page.wait_for_load_state("networkidle")
    assert page.console.problems == []  # type: ignore[attr-defined]


def test_cancelled_certificate_shows_its_banner(page: Page, base_url: str) -> None:
    page.goto(base_url + "certificates/IC-2026-0007.html")
    banner = page.locator(".certgen-banner-cancelled")
    assert banner.is_visible()
    assert banner.inner_text().startswith("Cancelled on 12 June 2026")
    preview = page.locator(".certgen-banner-preview")  # built without a key: a preview
    assert preview.is_visible() and "PREVIEW \u2013 NOT VALID" in preview.inner_text()


@pytest.mark.parametrize(
    ("number", "status", "words"),
    [
        ("555-5550000101-000231", "Valid", "NOP Import Certificate"),
        ("555 5550000115 000298", "Cancelled", "was cancelled"),
        ("coi.eu.us.2026.0001234", "Valid", "Certificate of inspection"),
        ("999-0000000000-000000", None, "No certificate numbered"),
    ],
)
def test_verify_page_answers(
    page: Page, base_url: str, number: str, status: str | None, words: str
) -> None:
    page.goto(base_url + "verify.html")
    page.fill("#certgen-number", number)
    page.click("#certgen-verify-form button")
    result = page.locator("#certgen-verify-result .certgen-result")
    result.wait_for()
    text = result.inner_text()
    assert words in text
    if status:
        assert page.locator(".certgen-verify-status").inner_text() == status
    else:
        assert page.locator(".certgen-verify-unknown").count() == 1
    assert page.console.problems == []  # type: ignore[attr-defined]


def test_verify_link_with_number_answers_on_arrival(page: Page, base_url: str) -> None:
    page.goto(base_url + "verify.html?number=EC-2026-0005")
    page.locator("#certgen-verify-result .certgen-result").wait_for()
    assert page.locator(".certgen-verify-status").inner_text() == "Valid"


@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "register/index.html",
        "certificates/EC-2026-0001.html",
        "certificates/EC-2026-0001.html#holder",
        "verify.html",
        "register/2026.html",
        "guidance/documents.html",
        "guidance/request.html",
    ],
)
def test_no_serious_accessibility_violations(page: Page, base_url: str, path: str) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run npm ci")
    if path.endswith("#holder"):  # the holder's view, opened with the key of the link
        _open_holder_view(
            page, holder_link(base_url + path.removesuffix("#holder"), "EC-2026-0001")
        )
    else:
        page.goto(base_url + path)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_site_works_offline_from_disk(page: Page, site: Path) -> None:
    """Opened from the built folder without a server: navigation, verification and search."""
    page.goto((site / "verify.html").as_uri() + "?number=IC-2026-0002")
    page.locator("#certgen-verify-result .certgen-result").wait_for()
    assert page.locator(".certgen-verify-status").inner_text() == "Expired"
    page.goto((site / "index.html").as_uri())
    page.locator(".md-search__input").click()
    page.keyboard.type("antibiotics")
    page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    assert page.locator(".md-search-result__item").count() > 0
    assert page.console.problems == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_certificate_page_prints_cleanly(page: Page, base_url: str, paper: str) -> None:
    """The whole certificate, as its holder opens it, prints on at most two pages."""
    from pypdf import PdfReader

    _open_holder_view(
        page, holder_link(base_url + "certificates/EC-2026-0001.html", "EC-2026-0001")
    )
    printed = PdfReader(io.BytesIO(page.pdf(format=paper, print_background=True)))
    text = "".join(p.extract_text() for p in printed.pages)
    assert "COI.EU.US.2026.0001234" in text
    assert "18. Declaration" in " ".join(text.split())  # the last box of the certificate
    assert "Guidance for applicants" not in text  # the navigation is not printed
    assert len(printed.pages) <= 2
