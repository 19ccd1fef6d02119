"""The schema stage: every error is a located finding whose message says how to fix it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.check.load import load_bytes
from generator.check.schema import Schema, load_schema, validate
from tests.helpers import ROOT

REQUEST_SCHEMA = load_schema(ROOT / "schemas" / "request.schema.json")
EXAMPLE = (ROOT / "requests" / "2026" / "IC-2026-0003.yaml").read_text(encoding="utf-8")


def findings_for(text: str, schema: Schema = REQUEST_SCHEMA) -> list[tuple[int, int, str, str]]:
    document = load_bytes(text.encode(), "r.yaml").document
    assert document is not None
    return [(f.line, f.column, f.code, f.message) for f in validate(document, schema)]


def with_change(old: str, new: str) -> str:
    assert old in EXAMPLE
    return EXAMPLE.replace(old, new, 1)


def test_example_is_valid() -> None:
    assert findings_for(EXAMPLE) == []


def test_unquoted_code_is_told_to_quote() -> None:
    [(line, column, code, message)] = findings_for(with_change('"5550000104"', "5550000104"))
    assert (line, column, code) == (10, 17, "S001")
    assert 'put it in quotes: "5550000104"' in message


def test_yaml_1_1_boolean_is_told_to_write_true() -> None:
    [(_, _, code, message)] = findings_for(
        with_change("no_irradiation: true", "no_irradiation: yes")
    )
    assert code == "S001"
    assert "write true or false" in message


def test_missing_field_points_at_the_parent_and_gives_an_example() -> None:
    [(line, column, code, message)] = findings_for(with_change("  state: IL\n", ""))
    assert (line, column, code) == (29, 3, "S002")
    assert "'state'" in message
    assert "CA" in message


def test_conditional_requirement_says_why() -> None:
    [(_, _, code, message)] = findings_for(with_change("  departure_date: 2026-12-09\n", ""))
    assert code == "S002"
    assert "single-shipment" in message


def test_misspelt_field_is_one_finding_that_says_to_rename_it() -> None:
    """Unknown under its misspelt name and missing under its right one: one finding, the
    rename, which keeps the value written."""
    [unknown] = findings_for(with_change("importer:", "importr:"))
    assert unknown[:3] == (12, 1, "S003")
    assert "did you mean 'importer'? Rename it (its value stays)" in unknown[3]


def test_enum_lists_allowed_values_and_suggests() -> None:
    [(_, _, code, message)] = findings_for(
        with_change("category: unprocessed_plant", "category: unprocesed_plant")
    )
    assert code == "S004"
    assert "did you mean 'unprocessed_plant'" in message


def test_no_guess_between_organic_claims() -> None:
    """'organic' and '100 percent organic' are different label claims (7 CFR 205.301): a
    typo is listed against every claim, never turned into one."""
    [(_, _, code, message)] = findings_for(with_change("claim: organic", "claim: organc"))
    assert code == "S004" and "did you mean" not in message
    assert "100_percent_organic, organic, made_with_organic" in message


def test_pattern_gives_an_example() -> None:
    [(_, _, code, message)] = findings_for(with_change("id: IC-2026-0003", "id: IC-26-3"))
    assert code == "S005"
    assert "IC-2026-0001" in message


def test_impossible_date_is_refused() -> None:
    [(_, _, code, _)] = findings_for(with_change("2026-12-09", "2026-02-29"))
    assert code == "S006"


def test_all_errors_of_a_file_are_reported() -> None:
    text = with_change("claim: organic", "claim: organc")
    text = text.replace("mode: ocean", "mode: boat").replace("status: requested", "status: done")
    assert [c for _, _, c, _ in findings_for(text)] == ["S004", "S004", "S004"]


def test_unmapped_keyword_falls_back_to_s011(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "properties": {"weight": {"multipleOf": 5}},
            }
        )
    )
    [(line, column, code, message)] = findings_for("weight: 12\n", load_schema(path))
    assert (line, column, code) == (1, 9, "S011")
    assert "'weight'" in message


@pytest.mark.parametrize("name", ["request.schema.json"])
def test_broken_schema_is_a_setup_error(tmp_path: Path, name: str) -> None:
    from generator.errors import CertgenError

    path = tmp_path / name
    path.write_text("{not json")
    with pytest.raises(CertgenError):
        load_schema(path)
