"""The Request a certificate page in a real browser (Chromium): a client fills in an export
request, sees a finding of the schema, fixes it, downloads the file, and `certgen check` passes
on it in the register; nothing leaves the page for another origin."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import Browser, Page

from tests.helpers import ROOT, make_project, run
from tests.test_browser import AXE, base_url, browser, site

__all__ = ["base_url", "browser", "site"]  # the fixtures of test_browser, shared

RECEIVED = "2026-06-22T10:00:00-07:00"  # the browser's clock: EC-2026-0005's request time

# EC-2026-0005 (Heartland Oat Mill, TM-11 to Japan) as a client types it, field id by field id
# (the ids follow the schema's paths); selects and radio buttons apart.
TYPED = {
    "exporter-operation_id": "5550000207",
    "exporter-name": "Heartland Oat Mill",
    "importer-name": "Midori Natural Trading Co., Ltd.",
    "importer-address": "2-5-1 Kaigan, Minato-ku, Tokyo 105-0022",
    "importer-country": "JP",
    "destination-country": "JP",
    "destination-city": "Tokyo",
    "products-0-name_as_labeled": "Organic Rolled Oats",
    "products-0-organic_percent": "100",
    "products-0-tariff_code": "1104.12",
    "products-0-net_weight_kg": "15000",
    "products-0-gross_weight_kg": "15600",
    "products-0-produced_in": "US",
    "products-0-processed_in": "US",
    "transport-country_of_export": "US",
    "transport-port_of_departure": "Port of Los Angeles",
    "transport-departure_date": "2026-07-08",
    "transport-vessel_or_flight": "ONE HARMONY 031W",
}
CHOSEN = {
    "service_level": "standard",
    "document_type": "tm11",
    "products-0-category": "processed_food",
    "products-0-claim": "100_percent_organic",
    "transport-mode": "ocean",
}
DOCUMENTS = [
    ("commercial_invoice", "HOM-26-06-2211", False),
    ("packing_list", "HOM-PL-06-2211", False),
    ("bill_of_lading", "ONEY-LAX-81220", True),
    ("label", "HOM-LBL-JP-RO-03", False),
]


@pytest.fixture
def client_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(timezone_id="America/Los_Angeles", accept_downloads=True)
    opened = context.new_page()
    opened.clock.set_fixed_time(RECEIVED)
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.problems = problems  # type: ignore[attr-defined]
    yield opened
    context.close()


def fill(page: Page, field: str, value: str) -> None:
    page.fill(f"#certgen-rq-{field}", value)


def open_part(page: Page, field: str) -> None:
    """Open an optional part (a <details>) the way a client does: click its summary."""
    page.click(f"#certgen-rq-{field}-details > summary")


def add(page: Page, field: str) -> None:
    page.click(f"#certgen-rq-{field}-add")


def fill_export_request(page: Page) -> None:
    page.select_option("#certgen-rq-kind", "export")
    for field, value in CHOSEN.items():
        page.select_option(f"#certgen-rq-{field}", value)
    for field, value in TYPED.items():
        fill(page, field, value)
    open_part(page, "products-0-packages")
    fill(page, "products-0-packages-count", "600")
    fill(page, "products-0-packages-kind", "25 kg bags")
    for index, lot in enumerate(["HOM-RO-26172", "HOM-RO-26173"]):
        add(page, "products-0-lots")
        page.select_option(f"#certgen-rq-products-0-lots-{index}-form", "object")
        fill(page, f"products-0-lots-{index}-number", lot)
        fill(page, f"products-0-lots-{index}-net_weight_kg", "7500")
    open_part(page, "transport-transport_document")
    page.select_option("#certgen-rq-transport-transport_document-type", "bill_of_lading")
    fill(page, "transport-transport_document-number", "ONEYLAX6078220")
    add(page, "transport-containers")
    fill(page, "transport-containers-0-number", "ONEU2038813")
    fill(page, "transport-containers-0-seal", "OL-771204")
    add(page, "statements")
    page.select_option("#certgen-rq-statements-0", "us_japan_arrangement")
    page.check("#certgen-rq-attestations-no_prohibited_fumigation-true")
    page.check("#certgen-rq-attestations-no_irradiation-true")
    for index, (kind, reference, draft) in enumerate(DOCUMENTS):
        if index:
            add(page, "documents")
        page.select_option(f"#certgen-rq-documents-{index}-type", kind)
        fill(page, f"documents-{index}-reference", reference)
        page.check(f"#certgen-rq-documents-{index}-identifies_organic-true")
        if draft:
            page.check(f"#certgen-rq-documents-{index}-draft-true")


def test_a_client_fills_in_checks_and_downloads_a_request(
    client_page: Page, base_url: str, tmp_path: Path
) -> None:
    page = client_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(base_url + "guidance/request.html")
    fill_export_request(page)
    fill(page, "exporter-name", "")  # one required field left empty

    page.click("#certgen-rq-download")
    finding = page.locator("#certgen-rq-exporter-name-error")
    assert finding.is_visible()
    assert finding.inner_text() == "Exporter, Name: missing; fill it in."
    assert page.locator("#certgen-rq-summary li").all_inner_texts() == [
        "Exporter, Name: missing; fill it in"
    ]
    assert page.get_attribute("#certgen-rq-exporter-name", "aria-invalid") == "true"

    fill(page, "exporter-name", "Heartland Oat Mill")
    assert not finding.is_visible()  # the findings follow the form once checked
    with page.expect_download() as downloaded:
        page.click("#certgen-rq-download")
    download = downloaded.value
    assert download.suggested_filename == "EC-2026-0000.yaml"

    project = make_project(tmp_path / "repo", True)
    target = project / "requests" / "2026" / download.suggested_filename
    download.save_as(target)
    text = target.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/request.schema.json\n")
    assert f"\nrequested_at: {RECEIVED}\n" in text and "\nstatus: requested\n" in text
    data = yaml.safe_load(text)
    assert data["exporter"]["operation_id"] == "5550000207"  # text, not a number
    assert data["products"][0]["tariff_code"] == "1104.12"
    code, out, err = run(["check", "--format", "json", str(target)], project)
    assert (code, json.loads(out)["findings"]) == (0, []), out + err  # no S code, no rule either

    desk = make_project(tmp_path / "desk", True)  # the desk files it under the next free ID
    code, out, err = run(["intake", "--file", str(target), "--by", "mlopez"], desk)
    assert (code, out.strip()) == (0, "requests/2026/EC-2026-0013.yaml"), out + err

    local = urlsplit(base_url).netloc
    elsewhere = [u for u in requested if urlsplit(u.removeprefix("blob:")).netloc != local]
    assert elsewhere == []
    assert page.problems == []  # type: ignore[attr-defined]


def test_an_import_request_follows_its_mode(client_page: Page, base_url: str) -> None:
    """The import kind: the mode's conditions of the schema decide which fields are asked."""
    page = client_page
    page.goto(base_url + "guidance/request.html")
    page.select_option("#certgen-rq-kind", "import")
    page.select_option("#certgen-rq-mode", "time_frame")
    assert page.locator("#certgen-rq-transport-departure_date").count() == 0
    assert page.locator("#certgen-rq-time_frame-valid_from").count() == 1
    page.select_option("#certgen-rq-mode", "single_shipment")
    assert page.locator("#certgen-rq-transport-departure_date").count() == 1
    assert page.locator("#certgen-rq-time_frame-valid_from").count() == 0
    assert "Country: US" in page.locator("#certgen-rq-destination").inner_text()  # a const
    page.fill("#certgen-rq-products-0-net_weight_kg", "a lot")
    page.fill("#certgen-rq-transport-country_of_export", "mexico")
    page.click("#certgen-rq-check")
    summary = page.locator("#certgen-rq-summary li").all_inner_texts()
    assert "Product line 1, Net weight (kg): must be a number" in summary
    wrong_form = "Transport, Country of export: is not in the expected form"
    assert any(s.startswith(wrong_form) for s in summary)
    attestation = page.locator("#certgen-rq-attestations-no_irradiation-true")
    assert not attestation.is_checked()  # never preselected
    assert page.problems == []  # type: ignore[attr-defined]


def test_the_rendered_form_has_no_serious_accessibility_violations(
    client_page: Page, base_url: str
) -> None:
    """axe on the form itself, with findings shown: every input has its label."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run npm ci")
    page = client_page
    page.goto(base_url + "guidance/request.html")
    page.select_option("#certgen-rq-kind", "export")
    page.click("#certgen-rq-check")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_choices_are_listed_in_words(client_page: Page, base_url: str) -> None:
    """The form's drop-down lists show words ("Alcoholic beverage", "Certificate of
    inspection (EU TRACES)"), and the request file gets the value the format defines."""
    page = client_page
    page.goto(base_url + "guidance/request.html")
    fill_export_request(page)
    category = page.locator("#certgen-rq-products-0-category option")
    shown = category.all_inner_texts()
    assert "Alcoholic beverage" in shown and "Processed food" in shown
    assert not any("_" in text for text in shown)
    assert (
        "Certificate of inspection (EU TRACES)"
        in page.locator("#certgen-rq-document_type option").all_inner_texts()
    )
    values = page.locator("#certgen-rq-products-0-category option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert "alcoholic_beverage" in values
    assert page.problems == []  # type: ignore[attr-defined]


def test_every_choice_of_the_format_has_words() -> None:
    from generator.check.pipeline import Checker
    from generator.check.words import CHOICE_WORDS
    from generator.project import Project

    schema = json.loads((ROOT / "schemas" / "request.schema.json").read_text("utf-8"))
    choices: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            choices.update(str(v) for v in node.get("enum", []))
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(schema)
    reference = Checker(Project(ROOT)).reference
    assert reference is not None
    worded = set(CHOICE_WORDS) | set(reference.document_types)
    assert choices - worded == set()


INTERNAL = {
    "a data file": re.compile(r"data/|\.ya?ml\b"),
    "an id": re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b"),
    "a command": re.compile(r"\bcertgen\s"),
}
_SHOWN = """host => {
    // Every text a client reads in the form: what is rendered, the choices of each list, the
    // suggestions of each text field, and the attributes read aloud.
    const texts = [host.innerText];
    for (const option of host.querySelectorAll("option")) texts.push(option.textContent);
    for (const suggestion of host.querySelectorAll("datalist option")) texts.push(suggestion.value);
    const spoken = ["placeholder", "title", "aria-label"];
    for (const element of host.querySelectorAll("[placeholder], [title], [aria-label]")) {
        texts.push(spoken.map(name => element.getAttribute(name) || "").join(" "));
    }
    return texts.join("\\n");
}"""


def _shown_text(page: Page) -> str:
    """The form's text with every optional part open and one item in every list."""
    for _ in range(3):  # parts inside parts
        page.eval_on_selector_all(
            "#certgen-request details", "ds => ds.forEach(d => d.open = true)"
        )
        adds = page.locator("#certgen-request [id$='-add']")
        for index in range(adds.count()):
            button = adds.nth(index)
            if button.is_visible():
                button.click()
    page.click("#certgen-rq-check")  # and the findings of an empty form
    return str(page.locator("#certgen-request").evaluate(_SHOWN))


@pytest.mark.parametrize(
    ("kind", "mode"),
    [
        ("export", None),
        ("import", "single_shipment"),
        ("import", "multiple_shipments"),
        ("import", "time_frame"),
    ],
)
def test_the_rendered_form_names_no_file_id_or_command(
    client_page: Page, base_url: str, kind: str, mode: str | None
) -> None:
    """Issue 12 review S12: the page is built in the browser from the schema, whose
    descriptions name data files and ids; what a client reads is in words, every list too."""
    page = client_page
    page.goto(base_url + "guidance/request.html")
    page.select_option("#certgen-rq-kind", kind)
    if mode:
        page.select_option("#certgen-rq-mode", mode)
    text = _shown_text(page)
    found = {name: sorted(set(pattern.findall(text))) for name, pattern in INTERNAL.items()}
    assert found == {name: [] for name in INTERNAL}, text
    options = page.locator("#certgen-rq-service_level option").all_inner_texts()
    assert len(options) == 5 and all("business day" in option for option in options[1:])
    assert page.problems == []  # type: ignore[attr-defined]
