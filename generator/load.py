"""Load stage: bytes of a YAML file -> plain data where every value knows its line and column.

Scalars are read by the YAML 1.2 core rules, never YAML 1.1's: ``NO`` and ``yes`` stay text,
``0804.50.4000`` and ``010`` stay text, dates stay text (the schema checks them). Anything unsafe
or ambiguous (aliases, tags, duplicate keys, binary bytes, ...) is refused with a located finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events

from generator.findings import Code, Finding, Severity

MAX_BYTES = 256 * 1024
MAX_DEPTH = 12
MAX_FINDINGS_PER_FILE = 50

_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_TEXT_TAGS = frozenset({"!", "tag:yaml.org,2002:str"})
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

Position = tuple[int, int]


@dataclass
class Document:
    """A loaded YAML mapping with the position of every value and key (1-based line, column)."""

    path: str
    data: dict[str, Any]
    positions: dict[str, Position]
    key_positions: dict[str, Position]
    plain_scalars: dict[str, str] = field(default_factory=dict)
    """Source text of plain scalars that were not read as text (numbers, true/false, empty)."""
    first_line: str = ""

    def locate(self, pointer: str) -> Position:
        """Where the value at ``pointer`` is, or else its nearest existing ancestor."""
        while pointer not in self.positions and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        return self.positions.get(pointer, (1, 1))

    def locate_key(self, pointer: str) -> Position:
        """Where the key of the member at ``pointer`` is (falls back to the value)."""
        return self.key_positions.get(pointer) or self.locate(pointer)


@dataclass
class Loaded:
    document: Document | None
    findings: list[Finding]


def _code(code: str, name: str, doc: str) -> Code:
    return Code(code, name, Severity.ERROR, "load", doc)


CODES = {
    c.code: c
    for c in (
        _code(
            "Y001",
            "yaml_syntax_error",
            """The file is not valid YAML.

The YAML parser stopped at the given position. Common causes: a tab used for indentation,
a colon inside a value (``name: Farm: North``), an unclosed quote or bracket, or a list item
at the wrong indentation.

Fix: correct the syntax at the position given; put values that contain ``: `` or start with
a special character (``@``, ``*``, ``&``, ``!``, ``%``, ``{``, ``[``) in quotes.""",
        ),
        _code(
            "Y002",
            "duplicate_key",
            """A key appears twice in the same mapping.

YAML parsers silently keep one of the two values, so a duplicate key hides data: the
reviewer would see one value and the certificate could carry the other.

Fix: keep one of the two keys and delete the other.""",
        ),
        _code(
            "Y003",
            "anchor_or_alias",
            """The file uses a YAML anchor (``&name``) or alias (``*name``).

Anchors and aliases let one value stand in several places; they make a request harder to
review line by line and are the vehicle of "billion laughs" memory attacks.

Fix: write each value out in full where it is needed.""",
        ),
        _code(
            "Y004",
            "tag_not_allowed",
            """The file uses a YAML tag (``!!python/object``, ``!!binary``, ``!Ref``, ...).

Tags ask a parser to build language-specific objects; requests are plain data, so only
``!!str`` (read as text) is accepted.

Fix: remove the tag; write the value plainly, or in quotes if it must be read as text.""",
        ),
        _code(
            "Y005",
            "top_level_not_mapping",
            """The file's top level is not a mapping of fields.

A request (and every reference data file) is one mapping: ``id: ...``, ``kind: ...``, and
so on, each at the start of a line.

Fix: make the top level ``key: value`` lines; remove a leading ``-`` or stray text.""",
        ),
        _code(
            "Y006",
            "empty_file",
            """The file holds no data.

It is empty or holds only comments.

Fix: fill in the request (``certgen new`` scaffolds one) or delete the file.""",
        ),
        _code(
            "Y007",
            "not_utf8",
            """The file is not UTF-8 text.

Requests must be UTF-8 so that names with accents (Müller, Peñasco) read the same for
everybody. Files saved as Latin-1 or Windows-1252 by some editors are refused.

Fix: save the file again as UTF-8 (in most editors: "Save with encoding" → UTF-8).""",
        ),
        _code(
            "Y008",
            "binary_content",
            """The file contains control characters or binary data.

A NUL byte or other control character means the file is not a text file (an image, a
spreadsheet or a damaged copy).

Fix: replace the file with the YAML text of the request; remove the control character.""",
        ),
        _code(
            "Y009",
            "file_too_large",
            f"""The file is larger than {MAX_BYTES // 1024} KiB.

A request is a few kilobytes; a file this large is a mistake or an attack and is not read.

Fix: keep one request per file; move supporting documents out of the request (list them
under ``documents`` by reference).""",
        ),
        _code(
            "Y010",
            "nesting_too_deep",
            f"""Values are nested more than {MAX_DEPTH} levels deep.

No request field is nested that deep; deep nesting is a mistake (wrong indentation) or an
attempt to exhaust the parser.

Fix: check the indentation; each field is at most a few levels under the top.""",
        ),
        _code(
            "Y011",
            "multiple_documents",
            """The file holds more than one YAML document (``---``).

One file is one request: its path is its identity in the register.

Fix: move each further document into its own file, or delete the ``---`` line.""",
        ),
        _code(
            "Y012",
            "bidi_control_character",
            """The file contains an invisible text-direction control character.

Characters such as U+202E (right-to-left override) make text display in another order than
it is stored, so a reviewer could read a name or number that is not what the certificate
will carry ("Trojan Source").

Fix: delete the character (it is shown as ``\\u202e`` in the message) and retype the text.""",
        ),
        _code(
            "Y013",
            "complex_key",
            """A mapping key is itself a list or mapping.

Request fields are named by plain text keys.

Fix: write the key as plain text followed by a colon.""",
        ),
        _code(
            "Y014",
            "unreadable_file",
            """The file cannot be read.

It is a broken link, has no read permission, or vanished while being checked.

Fix: check the file's permissions and that it exists.""",
        ),
    )
}


def load_file(path: str | Path, display: str) -> Loaded:
    """Read and load one file; problems become findings, never exceptions."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # never more: a huge file is refused unread
    except OSError as error:
        reason = error.strerror or str(error)
        return Loaded(None, [_finding(display, (1, 1), "Y014", f"cannot read file: {reason}")])
    return load_bytes(raw, display)


def load_bytes(raw: bytes, display: str) -> Loaded:
    if len(raw) > MAX_BYTES:
        message = (
            f"file is over the {MAX_BYTES // 1024} KiB limit; a request is a few KiB: "
            "keep one request per file"
        )
        return Loaded(None, [_finding(display, (1, 1), "Y009", message)])
    text, problem = _decode(raw, display)
    if problem:
        return Loaded(None, [problem])
    problems = _character_problems(text, display)
    if problems:
        return Loaded(None, problems)
    return _Builder(display, text).build()


def _decode(raw: bytes, display: str) -> tuple[str, Finding | None]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        good = raw[: error.start].decode("utf-8-sig", errors="replace")
        where = _offset_position(good, len(good))
        byte = raw[error.start]
        message = (
            f"byte 0x{byte:02x} is not valid UTF-8 (the file looks saved as Latin-1 or "
            "Windows-1252); save it again as UTF-8"
        )
        return "", _finding(display, where, "Y007", message)


def _character_problems(text: str, display: str) -> list[Finding]:
    found: list[Finding] = []
    binary = _BINARY.search(text)
    if binary:
        where = _offset_position(text, binary.start())
        message = (
            f"control character U+{ord(binary.group()):04X} found: this is not a text file; "
            "replace it with the YAML text of the request"
        )
        found.append(_finding(display, where, "Y008", message))
    for match in _BIDI.finditer(text):
        where = _offset_position(text, match.start())
        message = (
            f"invisible direction control character U+{ord(match.group()):04X} makes text "
            "display differently from what it holds; delete it and retype the text"
        )
        found.append(_finding(display, where, "Y012", message))
        if len(found) >= MAX_FINDINGS_PER_FILE:
            break
    return found


def _offset_position(text: str, offset: int) -> Position:
    line = text.count("\n", 0, offset) + 1
    return line, offset - text.rfind("\n", 0, offset)


def _finding(display: str, where: Position, code: str, message: str, pointer: str = "") -> Finding:
    return Finding(display, where[0], where[1], code, Severity.ERROR, message, pointer)


def escape_pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def read_plain_scalar(text: str) -> Any:
    """The value of an unquoted scalar under the YAML 1.2 core schema, minus its surprises.

    Numbers with a leading zero (``010``), YAML 1.1 booleans (``yes``, ``NO``), dates and
    dotted codes stay text; ``.inf`` and ``.nan`` stay text too.
    """
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


class _Frame:
    """An open mapping or sequence: where values go next, and the pointer of the pending key."""

    __slots__ = ("container", "is_mapping", "key", "key_pointer", "pointer")

    def __init__(self, container: dict[str, Any] | list[Any], pointer: str) -> None:
        self.container = container
        self.is_mapping = isinstance(container, dict)
        self.pointer = pointer
        self.key: str | None = None
        self.key_pointer = ""


class _Builder:
    """Builds values from libyaml's events, keeping positions and refusing unsafe constructs.

    The loop in ``_consume`` is the hot path of ``certgen check``: plain keys and scalars are
    handled inline; everything unusual goes through the slower, checking methods.
    """

    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self.text = text
        self.findings: list[Finding] = []
        self.positions: dict[str, Position] = {}
        self.key_positions: dict[str, Position] = {}
        self.plain: dict[str, str] = {}
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0

    def build(self) -> Loaded:
        parser = _PARSER(self.text)
        try:
            self._consume(parser)
        except yaml.MarkedYAMLError as error:
            self._syntax_error(error)
        except yaml.YAMLError as error:
            self._add((1, 1), "Y001", f"not valid YAML: {error}")
        except _Stop:
            pass
        finally:
            parser.dispose()
        return self._result()

    def _result(self) -> Loaded:
        if self.findings:
            return Loaded(None, self.findings[:MAX_FINDINGS_PER_FILE])
        if self.root is None:
            return Loaded(None, [_finding(self.display, (1, 1), "Y006", _EMPTY)])
        if not isinstance(self.root, dict):
            where = self.positions.get("", (1, 1))
            return Loaded(None, [_finding(self.display, where, "Y005", _NOT_MAPPING)])
        first_line = self.text.split("\n", 1)[0]
        document = Document(
            self.display, self.root, self.positions, self.key_positions, self.plain, first_line
        )
        return Loaded(document, [])

    def _consume(self, parser: Any) -> None:
        stack, positions, plain = self.stack, self.positions, self.plain
        scalar, stream_end = events.ScalarEvent, events.StreamEndEvent
        starts = (events.MappingStartEvent, events.SequenceStartEvent)
        ends = (events.MappingEndEvent, events.SequenceEndEvent)
        while True:
            event = parser.get_event()
            if event is None:
                return
            kind = type(event)
            if kind is scalar and stack and event.anchor is None and event.tag is None:
                frame = stack[-1]
                mark = event.start_mark
                where = (mark.line + 1, mark.column + 1)
                text = event.value
                if frame.is_mapping and frame.key is None:
                    self._take_key(frame, text, where)
                    continue
                value = text if event.style else read_plain_scalar(text)
                pointer = self._place(frame, value)
                positions[pointer] = where
                if value.__class__ is not str:
                    plain[pointer] = text
            elif kind in ends:
                stack.pop()
            elif kind in starts:
                self._collection_start(event)
            elif kind is scalar:
                self._unusual_scalar(event)
            elif kind is events.AliasEvent:
                self._alias(event)
            elif kind is events.DocumentStartEvent:
                self._document_start(event)
            elif kind is stream_end:
                return

    def _document_start(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            self._add(_mark(event), "Y011", _MULTIPLE)
            raise _Stop

    def _unusual_scalar(self, event: Any) -> None:
        """A scalar with an anchor or tag, or the whole document being one scalar."""
        self._check_node(event)
        where = _mark(event)
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_mapping and frame.key is None:
            self._take_key(frame, event.value, where)
            return
        text = event.value
        value = text if event.style or event.tag in _TEXT_TAGS else read_plain_scalar(text)
        pointer = self._place(frame, value)
        self.positions[pointer] = where
        if not isinstance(value, str):
            self.plain[pointer] = text

    def _collection_start(self, event: Any) -> None:
        self._check_node(event)
        where = _mark(event)
        if len(self.stack) >= MAX_DEPTH:
            self._add(where, "Y010", _TOO_DEEP)
            raise _Stop
        new: dict[str, Any] | list[Any] = {} if type(event) is events.MappingStartEvent else []
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_mapping and frame.key is None:
            self._add(where, "Y013", "a key must be plain text, not a list or mapping")
            key = f"\x00complex key at line {where[0]}"
            self._take_key(frame, key, where)
            self.stack.append(_Frame(new, f"{frame.pointer}/{key}"))  # read, never stored
            return
        pointer = self._place(frame, new)
        self.positions[pointer] = where
        self.stack.append(_Frame(new, pointer))

    def _alias(self, event: Any) -> None:
        where = _mark(event)
        message = f"alias *{event.anchor} is not allowed; write the value out in full here"
        self._add(where, "Y003", message)
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_mapping and frame.key is None:
            self._take_key(frame, f"\x00alias at line {where[0]}", where)
        else:
            self.positions[self._place(frame, None)] = where

    def _check_node(self, event: Any) -> None:
        if event.anchor is not None:
            message = f"anchor &{event.anchor} is not allowed; write each value out in full"
            self._add(_mark(event), "Y003", message)
        tag = event.tag
        if tag is not None and tag not in _TEXT_TAGS:
            shown_tag = tag.replace("tag:yaml.org,2002:", "!!")
            message = f"tag {shown_tag} is not allowed; remove it (quote the value to make it text)"
            self._add(_mark(event), "Y004", message)

    def _take_key(self, frame: _Frame, key: str, where: Position) -> None:
        mapping = frame.container
        token = escape_pointer_token(key) if "/" in key or "~" in key else key
        pointer = f"{frame.pointer}/{token}"
        if key in mapping:
            first = self.key_positions[pointer][0]
            message = (
                f"duplicate key {key!r} (first defined at line {first}); "
                "keep one of the two and delete the other"
            )
            self._add(where, "Y002", message)
            key = f"\x00duplicate {key} at line {where[0]}"
            pointer = f"{frame.pointer}/{escape_pointer_token(key)}"
        frame.key = key
        frame.key_pointer = pointer
        self.key_positions[pointer] = where

    def _place(self, frame: _Frame | None, value: Any) -> str:
        """Store ``value`` where the open collection expects it; return its pointer."""
        if frame is None:
            self.root = value
            return ""
        container = frame.container
        if isinstance(container, dict):
            container[frame.key or ""] = value
            frame.key = None
            return frame.key_pointer
        pointer = f"{frame.pointer}/{len(container)}"
        container.append(value)
        return pointer

    def _add(self, where: Position, code: str, message: str) -> None:
        self.findings.append(_finding(self.display, where, code, message))
        if len(self.findings) >= MAX_FINDINGS_PER_FILE:
            raise _Stop

    def _syntax_error(self, error: yaml.MarkedYAMLError) -> None:
        mark = error.problem_mark or error.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or "invalid YAML"
        if problem.startswith("exceeded maximum nesting depth"):  # libyaml's own limit (0.2.5+)
            self.findings.append(_finding(self.display, where, "Y010", _TOO_DEEP))
            return
        if error.context:
            problem = f"{problem} ({error.context})"
        if mark and self.text[mark.index : mark.index + 1] == "\t":
            problem = "a tab character is used for indentation; YAML indents with spaces only"
        self.findings.append(_finding(self.display, where, "Y001", f"{problem}; {_SYNTAX_HINT}"))


class _Stop(Exception):
    """Loading stops early: the file is refused and further problems would be noise."""


def _mark(event: Any) -> Position:
    mark = event.start_mark
    return mark.line + 1, mark.column + 1


_SYNTAX_HINT = (
    "check the indentation (spaces, not tabs) and quote values that contain ': ' "
    "or start with a special character"
)
_TOO_DEEP = f"values are nested deeper than {MAX_DEPTH} levels; check the indentation"
_EMPTY = "the file holds no data; fill in the request or delete the file"
_NOT_MAPPING = "the top level must be a mapping of fields (id: ..., kind: ...)"
_MULTIPLE = "only one YAML document per file; move this one into a file of its own"
