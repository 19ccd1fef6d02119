"""Builds positioned values from libyaml's parser events.

Scalars are read by the YAML 1.2 core rules, never YAML 1.1's; anchors, aliases, tags other
than ``!!str``, duplicate and complex keys, several documents and deep nesting are refused
with located findings (codes documented in ``generator.check.load``).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml import events

from generator.check.document import Document, Loaded, Position, escape_pointer_token
from generator.findings import Finding, Severity

MAX_DEPTH = 12
MAX_FINDINGS_PER_FILE = 50

_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_TEXT_TAGS = frozenset({"!", "tag:yaml.org,2002:str"})
_ESCAPED_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
"""What an escape in double quotes can make that the file's raw text may not hold (Y008,
Y012): control characters but tab and newline (a carriage return too), and direction
controls."""


def build_document(display: str, text: str) -> Loaded:
    """The document in ``text`` (decoded, checked for bad characters), or its findings."""
    return _Builder(display, text).build()


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
        self.escapes = "\\" in text
        """Only a backslash in double quotes makes a character the raw text does not hold."""

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
        escapes = self.escapes
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
                if escapes and event.style == '"':
                    self._check_escaped(frame, text, where)
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
        if self.escapes and event.style == '"':
            self._check_escaped(frame, event.value, where)
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

    def _check_escaped(self, frame: _Frame | None, text: str, where: Position) -> None:
        """Refuse a control character an escape made in a double-quoted key or value (Y015)."""
        found = _ESCAPED_CONTROL.search(text)
        if found is None:
            return
        what = "key" if frame is not None and frame.is_mapping and frame.key is None else "value"
        message = (
            f"this {what} holds the control character U+{ord(found.group()):04X}, made by an "
            f"escape in double quotes (such as \\u{ord(found.group()):04x}); only tab and newline "
            "are allowed: delete the escape"
        )
        self._add(where, "Y015", message)

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
        opened, until = _unclosed_quote(self.text, where[0]), f"line {where[0]}"
        start = error.context_mark  # a quote left open to the end of the file
        if opened is None and error.context == "while scanning a quoted scalar" and start:
            quote = self.text[start.index : start.index + 1]
            opened, until = (start.line + 1, start.column + 1, quote), "the end of the file"
        if opened is not None:
            line, column, quote = opened
            message = (
                f"the text quoted here with {quote} runs on to {until}: a closing {quote} is "
                "probably missing at the end of this line"
            )
            self.findings.append(_finding(self.display, (line, column), "Y001", message))
            return
        problem = error.problem or "invalid YAML"
        if problem.startswith("exceeded maximum nesting depth"):  # libyaml's own limit (0.2.5+)
            self.findings.append(_finding(self.display, where, "Y010", _TOO_DEEP))
            return
        if error.context:
            problem = f"{problem} ({error.context})"
        if mark and self.text[mark.index : mark.index + 1] == "\t":
            problem = "a tab character is used for indentation; YAML indents with spaces only"
        self.findings.append(_finding(self.display, where, "Y001", f"{problem}; {_SYNTAX_HINT}"))


def _unclosed_quote(text: str, error_line: int) -> tuple[int, int, str] | None:
    """Where a quoted value that runs over several lines starts, when the syntax error is on
    its last line or the line after: in a request, a value quoted across lines is a quote
    left open (libyaml reports the error where the text stops making sense, lines below)."""
    found = None
    try:
        for token in yaml.scan(text, Loader=_PARSER):
            if token.start_mark.line + 1 > error_line:
                break
            style = getattr(token, "style", None)
            start, end = token.start_mark, token.end_mark
            if style in ('"', "'") and end.line > start.line and end.line + 2 >= error_line:
                found = (start.line + 1, start.column + 1, style)
    except yaml.YAMLError:
        pass  # the scan stops at the same error: what it saw before is what counts
    return found


class _Stop(Exception):
    """Loading stops early: the file is refused and further problems would be noise."""


def _mark(event: Any) -> Position:
    mark = event.start_mark
    return mark.line + 1, mark.column + 1


def _finding(display: str, where: Position, code: str, message: str) -> Finding:
    return Finding(display, where[0], where[1], code, Severity.ERROR, message, "")


_SYNTAX_HINT = (
    "check the indentation (spaces, not tabs) and quote values that contain ': ' "
    "or start with a special character"
)
_TOO_DEEP = f"values are nested deeper than {MAX_DEPTH} levels; check the indentation"
_EMPTY = "the file holds no data; fill in the request or delete the file"
_NOT_MAPPING = "the top level must be a mapping of fields (id: ..., kind: ...)"
_MULTIPLE = "only one YAML document per file; move this one into a file of its own"
