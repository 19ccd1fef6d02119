"""Public text a professional would sign: the built example site's pages, and its holder's
views, say everything in words (no id of the request format or of the reference data, no
time-zone ID, no command), word each status one way, and keep numbers, dates and IDs on one
line, on a phone too (Debian's Chromium at 360, 390 and 480 px wide)."""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.check import words
from generator.website import render
from tests.helpers import (
    ROOT,
    chromium,
    holder_details,
    holder_link,
    make_project,
    run,
    served,
)

REFERENCE_PAGES = {
    "reference/rules.html": "the rule reference documents each finding code: the data keys a "
    "rule reads and the commands that fix what it finds",
    "reference/format.html": "the request format reference documents every field and value "
    "of the request file",
}
"""Pages that document the formats, and so name their ids: not scanned for them."""
EXAMPLE_BLOCKS = {
    "guidance/submit.html": "its example of the check's output (a <pre> block) quotes the "
    "check's messages, which name the request file's fields",
}
"""Pages whose <pre> blocks quote a format verbatim: the rest of the page is scanned."""
ABBREVIATIONS = {"e", "naqs", "gb", "coi", "nop", "us", "nonc", "soe", "oid", "hs", "cn", "hts"}
"""Lowercase abbreviations that are no English word: an id whose underscores were turned into
spaces ("withdrew with nonc") still shows one of them."""
SKIPPED = {"script", "style", "template"}
SPOKEN = ("alt", "title", "aria-label", "placeholder")
"""Attributes a reader or a screen reader is shown."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("public-text") / "repo", True, True)
    code, out, err = run(["build"], project)
    assert code == 0, out + err
    return project / "build" / "site"


class _VisibleText(HTMLParser):
    """What a reader of a page sees: its text (without scripts and styles) and the
    attributes read aloud; without <pre> blocks if asked."""

    def __init__(self, skip_pre: bool) -> None:
        super().__init__()
        self.skipped = SKIPPED | ({"pre"} if skip_pre else set())
        self.parts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.skipped:
            self.depth += 1
        elif not self.depth:
            self.parts += [value for name, value in attrs if name in SPOKEN and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skipped:
            self.depth = max(0, self.depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str, skip_pre: bool = False) -> str:
    parser = _VisibleText(skip_pre)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _enums(node: Any) -> Iterator[list[Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            yield node["enum"]
        for value in node.values():
            yield from _enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _enums(value)


def _schemas() -> list[Any]:
    paths = [ROOT / "schemas" / "request.schema.json", *sorted(ROOT.glob("schemas/data/*.json"))]
    return [json.loads(path.read_text("utf-8")) for path in paths]


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


def is_identifier(value: str) -> bool:
    """An id no page should show: one with an underscore, or lowercase letters and digits
    together (``tm11``, ``cn8``), or a lowercase abbreviation (``oid``). Ids that are plain
    English words (``organic``, ``wine``, ``issued``) are words."""
    return (
        "_" in value
        or (bool(re.search(r"\d", value)) and bool(re.search(r"[a-z]", value)) and value.islower())
        or value in ABBREVIATIONS
    )


def identifiers() -> set[str]:
    """Every enum value of the schemas that is an id, every data key with an underscore, and
    those with underscores as spaces where that leaves an abbreviation showing."""
    values = {v for schema in _schemas() for enum in _enums(schema) for v in enum}
    found = {v for v in values if isinstance(v, str) and is_identifier(v)}
    for path in sorted((ROOT / "data").glob("*.yaml")):
        found |= {k for k in _keys(yaml.safe_load(path.read_text("utf-8"))) if "_" in k}
    spaced = {i.replace("_", " ") for i in found if "_" in i}
    return found | {s for s in spaced if ABBREVIATIONS & set(s.split())}


def _commands() -> list[str]:
    import argparse

    from generator.cli import _parser

    actions = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(actions[0].choices)


def _patterns() -> dict[str, re.Pattern[str]]:
    ids = sorted(identifiers(), key=len, reverse=True)
    areas = sorted({z.split("/")[0] for z in zoneinfo.available_timezones() if "/" in z})
    return {
        "id": re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-])"),
        "time zone": re.compile(rf"\b(?:{'|'.join(areas)})/[A-Z][A-Za-z_+-]+"),
        "command": re.compile(rf"\bcertgen (?:{'|'.join(_commands())})\b"),
        "raw markup": re.compile(r"``|\{\{|\}\}"),
    }


def public_views(site: Path) -> Iterator[tuple[str, str]]:
    """Every public HTML page's visible text, and every holder's view of a certificate."""
    for path in sorted(site.rglob("*.html")):
        name = path.relative_to(site).as_posix()
        html = path.read_text("utf-8")
        article = (
            html[html.find("<article") : html.rfind("</article>")] if "<article" in html else ""
        )
        body = article or html[html.find("<body") :]
        yield name, visible_text(body, skip_pre=name in EXAMPLE_BLOCKS)
    for path in sorted((site / "certificates").glob("*.holder.js")):
        certificate_id = path.name.removesuffix(".holder.js")
        yield (
            f"holder view of {certificate_id}",
            visible_text(holder_details(site, certificate_id)["html"]),
        )


def test_the_scan_knows_what_it_looks_for() -> None:
    found = identifiers()
    for expected in ("alcoholic_beverage", "wild_crops", "withdrew with nonc", "tm11", "oid"):
        assert expected in found
    for word in ("organic", "wine", "issued", "crops", "air"):
        assert word not in found
    patterns = _patterns()
    assert patterns["time zone"].search("after 11:00 (America/Los_Angeles)")
    assert patterns["command"].search("run certgen show on it")
    assert not patterns["command"].search("certgen's findings")
    text = visible_text('<p title="x_y">a<script>wild_crops</script><pre>z</pre></p>', True)
    assert text == "x_y a"


def test_no_public_page_shows_an_id_a_time_zone_or_a_command(site: Path) -> None:
    """The pages' words come from word tables (generator/check/words.py and the filters of
    the site's templates); only the reference pages (REFERENCE_PAGES) name the formats' ids
    and commands, and raw markup shows nowhere."""
    patterns = _patterns()
    hits = []
    views = list(public_views(site))
    assert len(views) > 40  # every page and every holder's view
    for name, text in views:
        for kind, pattern in patterns.items():
            if name in REFERENCE_PAGES and kind != "raw markup":
                continue
            hits += [f"{name}: {kind} {m.group()!r}" for m in pattern.finditer(text)]
    assert hits == []


def _enum_with(member: str) -> set[str]:
    found = [set(e) for schema in _schemas() for e in _enums(schema) if member in e]
    assert found, member
    return found[0]


def test_every_id_a_page_shows_has_its_words() -> None:
    """Each word table covers its enum exactly: a new value in a schema needs its words."""
    assert _enum_with("wild_crops") == set(words.SCOPE_WORDS)
    assert _enum_with("withdrew_with_nonc") == set(words.OPERATION_STATUS_WORDS)
    assert _enum_with("non_ruminant") == set(words.ANIMAL_WORDS)
    assert _enum_with("e_naqs") - {"certifier"} == set(words.ISSUED_IN_WORDS)
    categories = _enum_with("alcoholic_beverage")
    assert categories == set(words.CATEGORY_WORDS) == set(words.CATEGORY_WORD)
    assert _enum_with("made_with_organic") == set(words.CLAIM_WORDS)
    assert _enum_with("produced_in_us") == set(words.ORIGIN_WORDS)
    published = {"issued", "cancelled", "superseded"}
    assert published <= _enum_with("requested")
    assert set(words.STATUS_WORDS) == set(words.STATUS_NOTES) == published | {"expired"}
    assert _enum_with("shipment_not_made") == set(render._WORDS["reason"])


def test_one_wording_for_each_status(site: Path) -> None:
    """The register's year pages, the certificates' pages and holder views, and the lookup
    files the register and Verify pages' scripts read word a status from one table; the
    scripts hold no wording of their own."""
    expected = words.STATUS_WORDS
    shown: set[tuple[str, str]] = set()
    year = (site / "register" / "2026.html").read_text("utf-8")
    rows = re.findall(r'<tr data-status="(\w+)">.*?<td>([^<]*)</td></tr>', year)
    assert len(rows) > 10
    shown |= set(rows)
    for path in sorted((site / "certificates").glob("*.html")):
        for html in (path.read_text("utf-8"), holder_details(site, path.stem)["html"]):
            shown |= set(re.findall(r'certgen-status certgen-status-(\w+)">([^<]*)<', html))
    assert {status for status, _ in shown} == set(expected)
    assert sorted(shown) == sorted((status, expected[status]) for status, _ in shown)
    meta = (site / "data" / "lookup" / "meta.js").read_text("utf-8")
    payload = json.loads(meta[meta.index(",") + 1 : meta.rindex(")")])
    assert payload["status_words"] == expected
    for script in ("certgen.js", "certgen-verify.js", "certgen-holder.js"):
        text = (ROOT / "site" / "assets" / "javascripts" / script).read_text("utf-8")
        for word in expected.values():
            assert f'"{word}' not in text and f'"{word.upper()}' not in text, (script, word)


@pytest.mark.parametrize(
    ("count", "kind", "shown"),
    [
        (22, "1,000 kg totes", "22\u00a0\u00d7\u00a01,000\u00a0kg totes"),
        (900, "22.68 kg cartons", "900\u00a0\u00d7\u00a022.68\u00a0kg cartons"),
        (1800, "cartons", "1,800 cartons"),
        (40, "cartons of 24 tins", "40 cartons of 24 tins"),
        (1008, "18  kg cartons", "1,008\u00a0\u00d7\u00a018\u00a0kg cartons"),
        (3, "5 kgs bags", "3\u00a0\u00d7\u00a05 kgs bags"),  # not a unit: no space is glued
    ],
)
def test_package_counts_read_as_quantities(count: int, kind: str, shown: str) -> None:
    assert render.packages({"count": count, "kind": kind}) == shown


def test_weights_and_percentages_read_as_quantities() -> None:
    assert render.kilograms(20412) == "20,412\u00a0kg"
    assert render.kilograms(19450.5) == "19,450.5\u00a0kg"
    assert render.kilograms(0.25) == "0.25\u00a0kg"
    assert render.kilograms(1_000_000.0) == "1,000,000\u00a0kg"
    assert render.percent(95) == "95%" and render.percent(97.5) == "97.5%"


def test_certificates_show_quantities_not_run_together(site: Path) -> None:
    canada = holder_details(site, "EC-2026-0008")["html"]
    assert "22\u00a0\u00d7\u00a01,000\u00a0kg totes" in canada and "22,000\u00a0kg" in canada
    coi = holder_details(site, "EC-2026-0001")["html"]
    assert "900\u00a0\u00d7\u00a022.68\u00a0kg cartons" in coi
    assert not re.search(r"\d kg", canada + coi)  # every weight keeps its unit


def test_the_time_zone_is_named_in_words(site: Path) -> None:
    fees = visible_text((site / "guidance" / "fees.html").read_text("utf-8"))
    assert "after 11:00 Pacific Time" in fees


def test_rules_lists_whole_summaries_wrapped(tmp_path: Path) -> None:
    """``certgen rules`` gives each code's whole first paragraph, without markup, wrapped
    under the code instead of cut."""
    from generator.check.catalog import all_codes, summary_text

    project = make_project(tmp_path / "repo")
    code, out, _ = run(["rules"], project)
    assert code == 0 and "``" not in out
    assert max(len(line) for line in out.splitlines()) <= 100
    flowing = " ".join(out.split())
    for rule in all_codes().values():
        assert f"{rule.code} {rule.severity} {rule.name} {summary_text(rule)}" in flowing
    r112 = " ".join(all_codes()["R112"].summary.split())
    assert r112.endswith("OID, TRACES or e-NAQS.") and r112 in flowing
    assert summary_text(all_codes()["Y003"]) == (
        "The file uses a YAML anchor ('&name') or alias ('*name')."
    )


def test_the_home_page_shows_the_way(site: Path) -> None:
    """The navigation is shown, and the first thing under the title is the way to the
    register, the Verify page, the request page and the guidance."""
    home = (site / "index.html").read_text("utf-8")
    sidebar = re.search(r'<div class="md-sidebar md-sidebar--primary"[^>]*>', home)
    assert sidebar and "hidden" not in sidebar.group()  # hide: navigation would add it
    content = home[home.find("<h1") :]
    ways = content[: content.find("</div>")]
    for target in (
        "register/index.html",
        "verify.html",
        "guidance/request.html",
        "guidance/index.html",
    ):
        assert f'href="{target}"' in ways, target


def _one_line(page: Any, selector: str) -> list[str]:
    """The elements matched that break over more than one line (their client rectangles,
    one per line box, and their height against their line height)."""
    return list(
        page.eval_on_selector_all(
            selector,
            """elements => elements.filter(e => {
                const style = getComputedStyle(e);
                const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
                const height = e.getBoundingClientRect().height;
                return e.getClientRects().length !== 1 || height > line * 1.5;
            }).map(e => e.textContent)""",
        )
    )


_IN_VIEW = """(cell) => {
    // The cell's right edge against the viewport and every box that clips it (a table's
    // scrolling wrapper): what a reader sees without scrolling anything sideways.
    let right = window.innerWidth;
    for (let box = cell.parentElement; box; box = box.parentElement) {
        if (getComputedStyle(box).overflowX !== "visible") {
            right = Math.min(right, box.getBoundingClientRect().right);
        }
    }
    const own = cell.getBoundingClientRect();
    return own.left >= 0 && own.width > 0 && own.right <= right + 0.5;
}"""


def _status_cells_in_view(page: Any, cells: Any) -> list[str]:
    """The status cells a reader would have to scroll sideways to read."""
    return [
        cells.nth(index).inner_text()
        for index in range(cells.count())
        if not cells.nth(index).evaluate(_IN_VIEW)
    ]


@pytest.mark.parametrize("width", [360, 390, 480])
def test_a_phone_shows_numbers_on_one_line_and_the_status(site: Path, width: int) -> None:
    """At 360, 390 and 480 px (the common Android width, an iPhone's, and where the
    register's breakpoints used to leave a gap) the register's and a year's rows keep their
    number on one line and their status in view, and so do the operations tables; a
    certificate's page keeps its number and dates on one line, and the Verify page the
    numbers it shows and the number and date of its answer (issue 12 review S13)."""
    with served(site) as base, chromium() as browser:
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        for path, table in (
            ("register/index.html", "#certgen-register-results table"),
            ("register/2026.html", ".certgen-year-table"),
        ):
            page.goto(base + path)
            first = page.locator(f"{table} tbody tr").first
            first.wait_for()
            number = first.locator("td").first.locator("a")
            assert _one_line(page, f"{table} tbody tr td:first-child a") == []
            assert number.inner_text() in ("EC-2026-0010", "EC-2026-0012")  # the newest
            status = first.locator("td").last
            assert status.is_visible() and status.inner_text() in words.STATUS_WORDS.values()
            cells = page.locator(f"{table} tbody tr td:last-child")  # the longest number too
            assert cells.count() > 10 and _status_cells_in_view(page, cells) == [], path
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        page.goto(base + "operations.html")
        statuses = page.locator("article table tbody tr td:nth-child(2)")
        assert statuses.count() > 10 and " since " in statuses.first.inner_text()
        assert _status_cells_in_view(page, statuses) == []
        assert (
            _one_line(page, "article table th .certgen-nowrap, article table td .certgen-nowrap")
            == []
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.goto(base + "certificates/IC-2026-0001.html")
        assert page.locator(".certgen-number strong").inner_text() == "555-5550000101-000231"
        assert _one_line(page, ".certgen-number strong, .certgen-facts .certgen-nowrap") == []
        assert page.locator(".certgen-facts .certgen-nowrap").count() >= 1
        page.goto(base + "verify.html?number=555-5550000115-000298")
        page.locator("#certgen-verify-result .certgen-nowrap").first.wait_for()
        assert page.locator("#certgen-verify-result .certgen-nowrap").count() == 2
        assert _one_line(page, "article .certgen-nowrap") == []  # the examples and the answer
        context.close()


@pytest.mark.parametrize("certificate_id", ["EC-2026-0001", "IC-2026-0001", "EC-2026-0007"])
def test_a_holder_view_on_a_phone_does_not_scroll_sideways(site: Path, certificate_id: str) -> None:
    """At 390 x 844 a holder link opens a page no wider than the screen, with the whole QR
    code on it (issue 12 review S14: the QR code ran 34 px off the right edge)."""
    with served(site) as base, chromium() as browser:
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.goto(holder_link(f"{base}certificates/{certificate_id}.html", certificate_id))
        page.locator("[data-signature]").wait_for(timeout=20_000)
        code = page.locator(".certgen-qr svg")
        code.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        box = code.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
