"""The site search finds certificates (through the register's lookup files, not the search
index) and operations (through the index), in Debian's Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.helpers import chromium, make_project, run, served


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("search") / "repo", True, True)
    code, out, err = run(["build", "--no-pdf"], project)
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


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.problems = problems  # type: ignore[attr-defined]
    yield opened
    context.close()


def _search(page: Page, base_url: str, query: str) -> None:
    page.goto(base_url + "index.html")
    page.wait_for_load_state("networkidle")
    search = page.locator("[data-md-component='search-query']")
    search.click()
    search.press_sequentially(query, delay=20)


@pytest.mark.parametrize("query", ["555-5550000101-000231", "ic-2026-0001", "IC 2026 0001"])
def test_search_finds_a_certificate_by_number_or_id(page: Page, base_url: str, query: str) -> None:
    _search(page, base_url, query)
    found = page.locator(".certgen-search-certificate a")
    found.wait_for(timeout=10_000)
    assert "IC-2026-0001" in found.inner_text() and "NOP Import Certificate" in found.inner_text()
    assert "555-5550000101-000231" in found.inner_text()
    found.click()
    page.wait_for_url("**/certificates/IC-2026-0001.html")
    assert page.problems == []  # type: ignore[attr-defined]


def test_search_finds_an_operation_by_name_and_no_unknown_number(page: Page, base_url: str) -> None:
    _search(page, base_url, "Palouse")
    page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    assert "Palouse Grain" in page.locator(".md-search-result__list").inner_text()
    assert page.locator(".certgen-search-certificate a").count() == 0
    search = page.locator("[data-md-component='search-query']")
    search.fill("")
    search.press_sequentially("555-0000000000-000000", delay=20)
    answer = page.locator(".certgen-search-certificate__unknown")
    answer.wait_for(timeout=10_000)
    assert "555-0000000000-000000" in answer.inner_text()
    assert page.locator(".certgen-search-certificate a").count() == 0
    assert page.problems == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("query", ["EC-2026-9999", "EC-2026-0002"])
def test_search_says_when_no_certificate_has_the_number(
    page: Page, base_url: str, query: str
) -> None:
    """A number not in the register (never used, or a request not issued) gets the Verify
    page's answer, not only a list of pages (issue 12 review S15)."""
    _search(page, base_url, query)
    answer = page.locator(".certgen-search-certificate__unknown")
    answer.wait_for(timeout=10_000)
    assert answer.inner_text().startswith(f"No certificate numbered {query} is in our register")
    assert page.locator(".certgen-search-certificate a").count() == 0
    search = page.locator("[data-md-component='search-query']")
    search.fill("")
    search.press_sequentially("Palouse", delay=20)  # a name: the answer goes
    page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    assert not answer.is_visible()


@pytest.mark.parametrize(
    "name", ["Aguacates del Valle", "Golden State Almond Growers", "Érablière du Nord"]
)
def test_search_for_an_operation_s_full_name_finds_the_operations_page_first(
    page: Page, base_url: str, name: str
) -> None:
    """Issue 12 review S15: a full name brought up the rule reference first."""
    _search(page, base_url, name)
    first = page.locator(".md-search-result__item").first
    first.wait_for(timeout=10_000)
    page.wait_for_timeout(300)  # the results of the whole name, not of its first letters
    assert "Certified operations" in page.locator(".md-search-result__item").first.inner_text()


def test_the_search_index_stays_small(site: Path) -> None:
    """Certificates are not in the index: its size does not grow with the register."""
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    assert not any(doc["location"].startswith("certificates/") for doc in index["docs"])
    assert (site / "search" / "search_index.json").stat().st_size < 2_000_000
