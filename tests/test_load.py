"""The load stage: YAML 1.2 reading without silent coercions, positions, and refusals."""

from __future__ import annotations

import pytest

from generator.check.load import MAX_BYTES, MAX_DEPTH, MAX_FINDINGS_PER_FILE, load_bytes


def data_of(text: str) -> dict[str, object]:
    loaded = load_bytes(text.encode(), "t.yaml")
    assert loaded.findings == []
    assert loaded.document is not None
    return loaded.document.data


def codes_of(raw: bytes) -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.code) for f in load_bytes(raw, "t.yaml").findings]


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("NO", "NO"),  # Norway, not false
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("0804.50.4000", "0804.50.4000"),
        ("010", "010"),  # not octal 8, not 10
        ("0o17", "0o17"),
        ("0x1F", "0x1F"),
        ("1_000", "1_000"),
        ("1:30", "1:30"),  # not sexagesimal 90
        ("2026-01-20", "2026-01-20"),  # dates stay text for the schema to check
        (".inf", ".inf"),
        ("12", 12),
        ("-3", -3),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("true", True),
        ("False", False),
        ("~", None),
        ("", None),
        ("'12'", "12"),
        ('"true"', "true"),
        ("!!str 12", "12"),
    ],
)
def test_scalars_read_by_yaml_1_2_core_rules(source: str, value: object) -> None:
    assert data_of(f"a: {source}\n")["a"] == value


def test_positions_of_values_and_keys_are_one_based() -> None:
    loaded = load_bytes("id: X\nexporter:\n  name: Müller Café\nlots: [a, b]\n".encode(), "t")
    document = loaded.document
    assert document is not None
    assert document.positions["/id"] == (1, 5)
    assert document.positions["/exporter"] == (3, 3)
    assert document.positions["/exporter/name"] == (3, 9)
    assert document.key_positions["/exporter/name"] == (3, 3)
    assert document.positions["/lots/1"] == (4, 11)
    assert document.locate("/exporter/missing/deeper") == (3, 3)


def test_keys_with_slash_and_tilde_are_escaped_in_pointers() -> None:
    document = load_bytes(b"a/b: 1\nc~d: 2\n", "t").document
    assert document is not None
    assert document.positions["/a~1b"] == (1, 6)
    assert document.positions["/c~0d"] == (2, 6)


def test_plain_scalars_not_read_as_text_keep_their_source() -> None:
    document = load_bytes(b"id: 5550000101\nname: x\nempty:\n", "t").document
    assert document is not None
    assert document.plain_scalars == {"/id": "5550000101", "/empty": ""}


def test_bom_and_crlf_are_accepted() -> None:
    loaded = load_bytes(b"\xef\xbb\xbfa: 1\r\nb: two\r\n", "t")
    assert loaded.document is not None
    assert loaded.document.data == {"a": 1, "b": "two"}
    assert loaded.document.positions["/b"] == (2, 4)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a: b: c\n", [(1, 5, "Y001")]),
        (b"a: 1\nb: 2\na: 3\n", [(3, 1, "Y002")]),
        (b"a: &x 1\nb: *x\n", [(1, 4, "Y003"), (2, 4, "Y003")]),
        (b"a: !!binary aGk=\n", [(1, 4, "Y004")]),
        (b"a: !Ref x\n", [(1, 4, "Y004")]),
        (b"- a\n", [(1, 1, "Y005")]),
        (b"just text\n", [(1, 1, "Y005")]),
        (b"", [(1, 1, "Y006")]),
        (b"# comment\n---\n", [(1, 1, "Y006")]),
        ("a: Müller\n".encode("latin-1"), [(1, 5, "Y007")]),
        (b"a: 1\x00\n", [(1, 5, "Y008")]),
        (b"a: \x1b[31mred\n", [(1, 4, "Y008")]),
        (b"a: 1\n---\nb: 2\n", [(2, 1, "Y011")]),
        ("a: x\u202ey\n".encode(), [(1, 5, "Y012")]),
        (b"? {k: v}\n: 1\nb: 2\n", [(1, 3, "Y013")]),
    ],
)
def test_refusals_are_located_findings(raw: bytes, expected: list[tuple[int, int, str]]) -> None:
    loaded = load_bytes(raw, "t.yaml")
    assert loaded.document is None
    assert [(f.line, f.column, f.code) for f in loaded.findings] == expected


def test_oversized_input_is_refused_unparsed() -> None:
    assert codes_of(b"a: " + b"x" * MAX_BYTES) == [(1, 1, "Y009")]


def test_nesting_limit() -> None:
    nested = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert [c for _, _, c in codes_of(nested.encode())] == ["Y010"]
    shallow = "a: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "\n"
    assert codes_of(shallow.encode()) == []


def test_billion_laughs_is_refused_at_the_first_anchor() -> None:
    bomb = (
        'a: &a ["lol","lol"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    )
    findings = load_bytes(bomb.encode(), "t").findings
    assert findings and {f.code for f in findings} == {"Y003"}


def test_findings_per_file_are_capped() -> None:
    raw = b"".join(b"k: %d\n" % i for i in range(500))
    findings = load_bytes(raw, "t").findings
    assert len(findings) == MAX_FINDINGS_PER_FILE
    assert {f.code for f in findings} == {"Y002"}


def test_tab_indentation_says_so() -> None:
    findings = load_bytes(b"a:\n\t- x\n", "t").findings
    assert findings[0].code == "Y001"
    assert "tab" in findings[0].message
