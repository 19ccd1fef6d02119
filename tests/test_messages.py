"""Messages in words: places as "product 1", suggestions only when close, no schema text
pasted in, and a draft's emptied list named by the rule that needs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_project, run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "repo", with_requests=True)


def _check(project: Path, name: str, old: str, new: str) -> list[str]:
    path = project / "requests" / name[3:7] / f"{name}.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    _, out, _ = run(["check", str(path.relative_to(project))], project)
    return out.splitlines()[:-1]


def test_a_missing_field_is_placed_in_words(project: Path) -> None:
    lines = _check(project, "IC-2026-0003", "    tariff_code:", "    # tariff_code:")
    missing = [line for line in lines if " S002 " in line]
    assert missing and missing[0].endswith("in product 1"), missing
    assert "under '0'" not in "\n".join(lines)


def test_a_suggestion_only_when_it_is_close(project: Path) -> None:
    far = _check(project, "IC-2026-0003", "category: unprocessed_plant", "category: fresh_produce")
    assert any(" S004 " in line for line in far)
    assert not any("did you mean" in line for line in far)
    near = _check(project, "IC-2026-0005", "category: processed_food", "category: proccessed_food")
    assert any("did you mean 'processed_food'?" in line for line in near)


def test_pattern_messages_give_an_example_not_the_schemas_description(project: Path) -> None:
    lines = _check(project, "IC-2026-0003", 'operation_id: "5550000104"', 'operation_id: "55500"')
    shown = [line for line in lines if " S005 " in line]
    assert shown and "for example" in shown[0]
    assert "(" not in shown[0].split(" S005 ", 1)[1]  # no description pasted in brackets


@pytest.mark.parametrize("emptied", ["statements: []", "statements:"])
def test_an_emptied_statements_list_names_the_statement_it_needs(
    project: Path, emptied: str
) -> None:
    path = project / "requests" / "2026" / "EC-2026-0006.yaml"
    text = path.read_text()
    path.write_text(text.replace("statements:\n  - tw_aittecro_arrangement", emptied))
    _, out, _ = run(["check", str(path.relative_to(project))], project)
    lines = out.splitlines()[:-1]
    assert len(lines) == 1, out
    assert " D503 add 'tw_aittecro_arrangement': Taiwan requires" in lines[0]


@pytest.mark.parametrize(
    ("text", "where", "until"),
    [
        (
            'id: X\nexporter:\n  name: "Heartland Oat Mill\n  operation_id: "5550000207"\n',
            "3:9",
            "line 4",
        ),
        ("id: X\nexporter:\n  name: 'Heartland\n  operation_id: '5550000207'\n", "3:9", "line 4"),
        (
            'id: X\nexporter:\n  operation_id: "5550000207"\n  name: "Heartland\n',
            "4:9",
            "the end of the file",
        ),
    ],
)
def test_an_unclosed_quote_is_shown_at_its_opening(
    project: Path, text: str, where: str, until: str
) -> None:
    path = project / "draft.yaml"
    path.write_text(text)
    _, out, _ = run(["check", "draft.yaml"], project)
    line = out.splitlines()[0]
    assert line.startswith(f"draft.yaml:{where}: Y001 the text quoted here with"), line
    assert f"runs on to {until}" in line
