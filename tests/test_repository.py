"""The repository's own files: the example requests and reference data pass, the schemas are
valid Draft 2020-12 with a title and description on every property."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest

from generator.check.load import load_file
from generator.check.pipeline import Checker
from generator.project import Project
from tests.helpers import ROOT, check_json

SCHEMAS = sorted((ROOT / "schemas").rglob("*.schema.json"))
REQUESTS = sorted((ROOT / "requests").rglob("*.yaml"))
MODELINE = "# yaml-language-server: $schema="


def test_examples_and_data_check_clean() -> None:
    code, report = check_json([], ROOT)
    assert report["findings"] == []
    assert code == 0
    assert report["summary"]["files"] == len(REQUESTS)


def test_examples_cover_every_document_type_and_mode() -> None:
    checker = Checker(Project(ROOT))
    assert checker.reference is not None
    seen_types, seen_modes, seen_status = set(), set(), set()
    for path in REQUESTS:
        document, facts, findings = checker.inspect(path, str(path), as_issued_now=True)
        assert document is not None and facts is not None and not findings
        seen_types.add(facts.document_type.id)
        seen_modes.add(document.data.get("mode"))
        seen_status.add(document.data["status"])
    assert len(REQUESTS) >= 15
    assert seen_types == set(checker.reference.document_types)
    assert {"single_shipment", "time_frame"} <= seen_modes
    assert seen_status == {"requested", "issued", "cancelled", "superseded"}


def test_examples_cover_every_destination_of_the_seed_list() -> None:
    countries = set()
    for path in REQUESTS:
        document = load_file(path, str(path)).document
        assert document is not None
        countries.add(document.data["destination"]["country"])
    # EU (Sweden), Northern Ireland, Switzerland, Great Britain, Japan, Taiwan, Korea, Canada,
    # Chile, Costa Rica, Mexico, another country, and the United States for imports
    assert {
        "SE",
        "XI",
        "CH",
        "GB",
        "JP",
        "TW",
        "KR",
        "CA",
        "CL",
        "CR",
        "MX",
        "SG",
        "US",
    } <= countries


@pytest.mark.parametrize(
    "path",
    REQUESTS + sorted((ROOT / "data").glob("*.yaml")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_files_start_with_a_schema_line_that_resolves(path: Path) -> None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.startswith(MODELINE)
    assert (path.parent / first[len(MODELINE) :]).resolve().is_file()


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert jsonschema_rs.meta.is_valid(schema)


def _properties(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, child in node.get("properties", {}).items():
            yield f"{where}/{name}", child
        for key, child in node.items():
            yield from _properties(child, f"{where}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _properties(child, f"{where}/{index}")


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_property_has_title_and_description(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    undocumented = [
        where
        for where, prop in _properties(schema)
        if prop is not False
        and not ({"title", "description"} <= set(prop))
        and not any(f"/{clause}/" in where for clause in ("if", "then", "else"))
    ]
    assert undocumented == []


def test_confidential_fields_are_marked() -> None:
    schema = (ROOT / "schemas" / "request.schema.json").read_text(encoding="utf-8")
    marked = {
        where.rsplit("/", 1)[-1]
        for where, prop in _properties(json.loads(schema))
        if isinstance(prop, dict) and prop.get("x-confidential")
    }
    assert {"reference", "contact", "invoice_value", "entry_number"} <= marked
    business = {
        where.rsplit("/", 1)[-1]
        for where, prop in _properties(json.loads(schema))
        if isinstance(prop, dict) and prop.get("x-business")
    }
    assert {"transport_document", "containers", "vessel_or_flight", "lots", "trader"} <= business
    assert {"importer", "consignee", "ultimate_consignee", "producer"} <= business
    assert not business & marked  # published on the form: business, never confidential


def test_document_types_agree_between_schema_and_data() -> None:
    schema = json.loads((ROOT / "schemas" / "request.schema.json").read_text(encoding="utf-8"))
    in_schema = set(schema["$defs"]["export_request"]["properties"]["document_type"]["enum"])
    checker = Checker(Project(ROOT))
    assert checker.reference is not None
    export_types = {m.document_type for m in checker.reference.markets.values()}
    assert (
        in_schema
        == export_types
        == set(checker.reference.document_types) - {"nop_import_certificate"}
    )


def test_operations_snapshot_covers_statuses_scopes_and_countries() -> None:
    checker = Checker(Project(ROOT))
    assert checker.reference is not None
    operations = checker.reference.operations.values()
    statuses = {period.status for o in operations for period in o.status_history}
    assert len(operations) >= 25
    assert statuses == {
        "certified",
        "surrendered",
        "suspended",
        "revoked",
        "transitional",
        "denied_certification",
        "withdrew_with_nonc",
        "withdrew_from_transitional",
    }
    assert {s for o in operations for s in o.scopes} == {
        "crops",
        "livestock",
        "wild_crops",
        "handling",
    }
    assert len({o.country for o in operations}) >= 5
    assert any(not o.soe_compliant for o in operations)
    assert any(o.addendum_markets for o in operations)


def test_certifier_is_marked_as_sample_data() -> None:
    checker = Checker(Project(ROOT))
    assert checker.reference is not None
    assert checker.reference.certifier.sample_data
    assert len(checker.reference.certifier.code) == 3
