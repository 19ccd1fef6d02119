"""Confidential by design (7 CFR 205.501(a)(10)): the public reads what the publication policy
(data/publication.yaml) and the clients' consent make public; whoever holds a certificate
reads the rest with the key its QR code and link carry.

The leak test builds the examples, and the same project with an empty register as a
baseline: every value of a holder field that the baseline does not already show (the
operations directory, the guidance) must be absent from every public file of the site."""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.exceptions import InvalidTag
from playwright.sync_api import Browser, Page

from generator.record.holder import HolderKeys
from generator.website.certificate_files import sealed_jsonp
from generator.website.register import jsonp
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

RECORDS = sorted((ROOT / "records").glob("*/*.json"))
CONSENTING = "EC-2026-0005"
"""Heartland Oat Mill's certificate: the client consented to publish exporter, destination
and products (data/operations.yaml, publication_consent)."""
SEALED = (".holder.js", ".pdf.enc")


def _policy() -> dict[str, Any]:
    policy: dict[str, Any] = yaml.safe_load((ROOT / "data" / "publication.yaml").read_text())
    return policy


def test_the_policy_gives_every_record_field_an_audience() -> None:
    schema = json.loads((ROOT / "schemas" / "certificate.schema.json").read_text("utf-8"))
    assert set(_policy()["fields"]) == set(schema["properties"])
    assert set(_policy()["status"]) == {"status", "superseded_by", "cancellation"}


def test_the_default_publishes_only_what_verification_needs() -> None:
    public = {k for k, v in _policy()["fields"].items() if v == "public"}
    assert public == {
        "id",
        "number",
        "url",
        "kind",
        "document",
        "issued_on",
        "certifier",
        "supersedes",
    }


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The examples' site (with PDFs), and the same project's site with no certificate."""
    root = tmp_path_factory.mktemp("publication")
    project = make_project(root / "repo", True, True)
    code, out, err = run(["build"], project)
    assert code == 0, out + err
    empty = make_project(root / "empty", True, True)
    for folder in ("requests", "records"):
        shutil.rmtree(empty / folder)
        (empty / folder).mkdir()
    code, out, err = run(["build", "--no-pdf"], empty)
    assert code == 0, out + err
    return project / "build" / "site", empty / "build" / "site"


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 1000:
        yield f"{value:g}"
        yield f"{value:,g}"


def _split(record: dict[str, Any], shown: set[str]) -> tuple[set[str], set[str]]:
    """A record's values: those of its holder fields, and those of its public fields."""
    policy = _policy()["fields"]
    held = {k: v for k, v in record.items() if policy[k] != "public" and k not in shown}
    visible = set(_leaves({k: v for k, v in record.items() if k not in held}))
    return {v for v in _leaves(held) if len(v) >= 4}, visible


def _consented(record: dict[str, Any]) -> set[str]:
    operations = yaml.safe_load((ROOT / "data" / "operations.yaml").read_text("utf-8"))
    for operation in operations["operations"]:
        if operation["operation_id"] == record["exporter"]["operation_id"]:
            return set(operation.get("publication_consent", {}).get("fields", ()))
    return set()


def _public_text(site: Path) -> dict[str, str]:
    """Every file of the site but the sealed ones, as text."""
    return {
        path.relative_to(site).as_posix(): path.read_bytes().decode("utf-8", "replace")
        for path in site.rglob("*")
        if path.is_file() and not path.name.endswith(SEALED)
    }


def test_no_holder_value_is_readable_in_any_public_file(sites: tuple[Path, Path]) -> None:
    site, baseline = sites
    already_public = "\n".join(_public_text(baseline).values())
    public = _public_text(site)
    secrets: dict[str, str] = {}
    shown: set[str] = set()  # what any certificate publishes (a date, a certifier's name)
    for path in RECORDS:
        record = json.loads(path.read_bytes())
        held, visible = _split(record, _consented(record))
        shown |= visible
        for value in held:
            if value not in already_public:
                secrets[value] = record["id"]
    secrets = {value: owner for value, owner in secrets.items() if value not in shown}
    assert len(secrets) > 100  # importers, addresses, lots, containers, seals, vessels, weights
    leaks = sorted(
        f"{name}: {value!r} (of {secrets[value]})"
        for name, text in public.items()
        for value in secrets
        if value in text
    )
    assert leaks == []


def test_no_pdf_is_published_in_the_clear(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    assert not list(site.rglob("*.pdf"))
    sealed = sorted(site.glob("certificates/*.pdf.enc"))
    assert len(sealed) == len(RECORDS)
    for path in sealed:
        assert b"%PDF" not in path.read_bytes()


def test_the_holder_key_opens_the_details_and_only_its_own(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    for path in RECORDS:
        certificate_id = path.stem
        details = holder_details(site, certificate_id)
        assert details["record"].encode("utf-8") == path.read_bytes()
        assert holder_pdf(site, certificate_id).startswith(b"%PDF")
    keys = HolderKeys.from_environment()
    sealed = (site / "certificates" / "EC-2026-0001.pdf.enc").read_bytes()
    with pytest.raises(InvalidTag):
        keys.open("EC-2026-0003", "pdf", sealed)  # another certificate's key
    with pytest.raises(InvalidTag):
        HolderKeys(b"x" * 40, False).open("EC-2026-0001", "pdf", sealed)  # another secret


def test_the_public_record_has_the_digest_status_and_nothing_held(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    public = json.loads((site / "certificates" / "IC-2026-0007.json").read_text("utf-8"))
    assert public["status"] == "cancelled" and public["cancellation"]["cancelled_on"]
    assert len(public["sha256"]) == 64
    assert not {"exporter", "importer", "products", "transport", "destination"} & set(public)


def test_a_clients_consent_publishes_what_it_consented_to(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    public = json.loads((site / "certificates" / f"{CONSENTING}.json").read_text("utf-8"))
    assert public["exporter"]["name"] == "Heartland Oat Mill"
    assert public["destination"]["country_name"] == "Japan"
    assert "importer" not in public and "transport" not in public
    register = (site / "data" / "register" / "2026.js").read_text("utf-8")
    assert "Heartland Oat Mill" in register and "Japan" in register
    assert "Midori Natural Trading" not in register  # the importer is not the client's to give
    page = (site / "certificates" / f"{CONSENTING}.html").read_text("utf-8")
    assert "Organic Rolled Oats" in page and "The other details" in page


def test_every_page_of_a_build_without_the_secret_says_so(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    page = (site / "certificates" / "EC-2026-0001.html").read_text("utf-8")
    assert "DEVELOPMENT BUILD" in page


def test_a_short_secret_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "repo", True, True)
    monkeypatch.setenv("CERTGEN_HOLDER_SECRET", "too short")
    code, _, err = run(["build", "--no-pdf"], project)
    assert code == 2 and "CERTGEN_HOLDER_SECRET" in err


def test_the_secret_changes_every_key_and_the_pages_stop_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "repo", True, True)
    monkeypatch.setenv("CERTGEN_HOLDER_SECRET", "s" * 48)
    code, out, err = run(["build", "--no-pdf"], project)
    assert code == 0, out + err
    site = project / "build" / "site"
    assert "DEVELOPMENT BUILD" not in (site / "certificates" / "EC-2026-0001.html").read_text()
    with pytest.raises(InvalidTag):  # the development key no longer opens it
        monkeypatch.delenv("CERTGEN_HOLDER_SECRET")
        holder_details(site, "EC-2026-0001")


# --- in the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url(sites: tuple[Path, Path]) -> Iterator[str]:
    with served(sites[0]) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    elsewhere: list[str] = []
    opened.on("request", lambda r: None if r.url.startswith(base_url) else elsewhere.append(r.url))
    yield opened
    context.close()
    assert elsewhere == []  # nothing is fetched from anywhere but the site


def test_a_holder_link_shows_the_whole_certificate_and_a_checked_record(
    page: Page, base_url: str
) -> None:
    url = base_url + "certificates/EC-2026-0001.html"
    page.goto(holder_link(url, "EC-2026-0001"))
    check = page.locator("[data-signature]")
    check.wait_for()
    text = page.locator("article.certgen-certificate").inner_text()
    assert "is the one this register publishes" in text
    assert "Nordic Organic Foods AB" in text and "GSA-25-NP-117" in text  # importer, lot
    assert page.locator("a[download='EC-2026-0001.json']").count() == 1
    with page.expect_download() as download:
        page.click("text=PDF")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_without_a_key_the_page_shows_only_public_fields(page: Page, base_url: str) -> None:
    page.goto(base_url + "certificates/EC-2026-0001.html")
    text = page.locator("article.certgen-certificate").inner_text()
    assert "COI.EU.US.2026.0001234" in text and "Valid" in text
    assert "confidential to whoever holds it" in text
    assert "Nordic Organic Foods AB" not in text and "GSA-25-NP-117" not in text


def test_a_wrong_key_says_so_and_shows_only_public_fields(page: Page, base_url: str) -> None:
    wrong = holder_link(base_url + "certificates/EC-2026-0001.html", "EC-2026-0003")
    page.goto(wrong)
    page.locator("[data-holder='wrong-key']").wait_for()
    text = page.locator("article.certgen-certificate").inner_text()
    assert "does not open this certificate's details" in text
    assert "Nordic Organic Foods AB" not in text


@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 97, 9_901])
def test_a_sealed_file_is_the_data_file_of_its_base64(length: int) -> None:
    """A holder file is written without the JSON encoder (base64 has nothing to escape): it
    is the same data file ``jsonp`` makes of the sealed bytes' URL-safe, unpadded base64,
    whatever padding the length would have needed."""
    sealed = os.urandom(length)
    text = base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")
    assert sealed_jsonp("holder-EC-2026-0001", sealed) == jsonp("holder-EC-2026-0001", text)
