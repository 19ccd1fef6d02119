"""Load stage: bytes of a YAML file -> plain data where every value knows its line and column.

Scalars are read by the YAML 1.2 core rules, never YAML 1.1's: ``NO`` and ``yes`` stay text,
``0804.50.4000`` and ``010`` stay text, dates stay text (the schema checks them). Anything unsafe
or ambiguous (aliases, tags, duplicate keys, binary bytes, ...) is refused with a located finding.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from generator.check.document import Loaded, Position
from generator.check.yaml_events import MAX_DEPTH, MAX_FINDINGS_PER_FILE, build_document
from generator.findings import Code, Finding, Severity

__all__ = [
    "CODES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_FINDINGS_PER_FILE",
    "load_bytes",
    "load_file",
    "refused_file",
]

MAX_BYTES = 256 * 1024

_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNFOLLOWED = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


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

Source: certgen: a request reads the same in every tool (YAML 1.2 syntax).

Fix: correct the syntax at the position given; put values that contain ``: `` or start with
a special character (``@``, ``*``, ``&``, ``!``, ``%``, ``{``, ``[``) in quotes.""",
        ),
        _code(
            "Y002",
            "duplicate_key",
            """A key appears twice in the same mapping.

YAML parsers silently keep one of the two values, so a duplicate key hides data: the
reviewer would see one value and the certificate could carry the other.

Source: certgen: what the reviewer reads is what the certificate carries; YAML 1.2 requires
the keys of a mapping to be unique.

Fix: keep one of the two keys and delete the other.""",
        ),
        _code(
            "Y003",
            "anchor_or_alias",
            """The file uses a YAML anchor (``&name``) or alias (``*name``).

Anchors and aliases let one value stand in several places; they make a request harder to
review line by line and are the vehicle of "billion laughs" memory attacks.

Source: certgen: line-by-line review, and protection against alias expansion ("billion
laughs").

Fix: write each value out in full where it is needed.""",
        ),
        _code(
            "Y004",
            "tag_not_allowed",
            """The file uses a YAML tag (``!!python/object``, ``!!binary``, ``!Ref``, ...).

Tags ask a parser to build language-specific objects; requests are plain data, so only
``!!str`` (read as text) is accepted.

Source: certgen: requests are plain data; no tag may make a parser build objects.

Fix: remove the tag; write the value plainly, or in quotes if it must be read as text.""",
        ),
        _code(
            "Y005",
            "top_level_not_mapping",
            """The file's top level is not a mapping of fields.

A request (and every reference data file) is one mapping: ``id: ...``, ``kind: ...``, and
so on, each at the start of a line.

Source: certgen: the request format (schemas/request.schema.json).

Fix: make the top level ``key: value`` lines; remove a leading ``-`` or stray text.""",
        ),
        _code(
            "Y006",
            "empty_file",
            """The file holds no data.

It is empty or holds only comments.

Source: certgen: the request format (schemas/request.schema.json).

Fix: fill in the request (``certgen new`` scaffolds one) or delete the file.""",
        ),
        _code(
            "Y007",
            "not_utf8",
            """The file is not UTF-8 text.

Requests must be UTF-8 so that names with accents (Müller, Peñasco) read the same for
everybody. Files saved as Latin-1 or Windows-1252 by some editors are refused.

Source: certgen: names read the same for everybody (UTF-8 text).

Fix: save the file again as UTF-8 (in most editors: "Save with encoding" → UTF-8).""",
        ),
        _code(
            "Y008",
            "binary_content",
            """The file contains control characters or binary data.

A NUL byte or other control character means the file is not a text file (an image, a
spreadsheet or a damaged copy).

Source: certgen: only text is read as a request.

Fix: replace the file with the YAML text of the request; remove the control character.""",
        ),
        _code(
            "Y009",
            "file_too_large",
            f"""The file is larger than {MAX_BYTES // 1024} KiB.

A request is a few kilobytes; a file this large is a mistake or an attack and is not read.

Source: certgen: a resource limit (``MAX_BYTES`` in generator/check/load.py).

Fix: keep one request per file; move supporting documents out of the request (list them
under ``documents`` by reference).""",
        ),
        _code(
            "Y010",
            "nesting_too_deep",
            f"""Values are nested more than {MAX_DEPTH} levels deep.

No request field is nested that deep; deep nesting is a mistake (wrong indentation) or an
attempt to exhaust the parser.

Source: certgen: a resource limit (``MAX_DEPTH`` in generator/check/yaml_events.py).

Fix: check the indentation; each field is at most a few levels under the top.""",
        ),
        _code(
            "Y011",
            "multiple_documents",
            """The file holds more than one YAML document (``---``).

One file is one request: its path is its identity in the register.

Source: certgen: one file, one request (the file's path is the record's identity).

Fix: move each further document into its own file, or delete the ``---`` line.""",
        ),
        _code(
            "Y012",
            "bidi_control_character",
            """The file contains an invisible text-direction control character.

Characters such as U+202E (right-to-left override) make text display in another order than
it is stored, so a reviewer could read a name or number that is not what the certificate
will carry ("Trojan Source").

Source: certgen: what the reviewer reads is what is stored ("Trojan Source",
CVE-2021-42574).

Fix: delete the character (it is shown as ``\\u202e`` in the message) and retype the text.""",
        ),
        _code(
            "Y013",
            "complex_key",
            """A mapping key is itself a list or mapping.

Request fields are named by plain text keys.

Source: certgen: the request format (fields are named by text keys).

Fix: write the key as plain text followed by a colon.""",
        ),
        _code(
            "Y014",
            "unreadable_file",
            """The file is not a regular file, or cannot be read.

certgen reads only regular files. It never follows a symbolic link, which could lead
outside the repository and publish a file nobody reviewed there, and never opens a FIFO,
socket or device (opening a FIFO waits for a writer: the check would hang). Such an entry
is refused wherever it is under ``requests/``, a year folder that is a link included. A
file without read permission, or that vanished while being checked, is refused too.

Source: certgen: every file of the register is read, or reported; what is published is
what the repository holds.

Fix: replace the link with the file or folder itself (``git rm`` the link, copy the file
in), remove the FIFO, socket or device, or check the file's permissions.""",
        ),
        _code(
            "Y015",
            "control_character_in_value",
            """A quoted value or key holds a control character written as an escape.

In double quotes YAML turns escapes such as ``\\u0000``, ``\\x07``, ``\\e``, ``\\r`` or
``\\u202e`` into characters. Control characters (other than tab and newline) and
text-direction controls have no place in a certificate: a NUL byte or an escape sequence
reaches the pages, the PDF and the CSV download, where it can hide or reorder text or act
on a terminal. The same characters typed raw are Y008 and Y012.

Source: certgen: what the reviewer reads is what the certificate carries (control
characters other than tab and newline are refused in every value and key).

Fix: delete the escape (``\\t`` and ``\\n`` are the only ones allowed) and retype the
text.""",
        ),
        _code(
            "Y016",
            "outside_request_layout",
            """A file or folder under ``requests/`` is not a request in the register's layout.

The register holds only ``requests/<year>/<id>.yaml``: folders named for a year (four
digits), each holding files named for a request ID of that year (``IC-<year>-NNNN.yaml``
or ``EC-<year>-NNNN.yaml``). Anything else would be skipped without a word: a request
saved as ``.yml``, in a misnamed folder or one level too deep would never be checked nor
published, and notes left there would be taken for part of the register. A ``.gitkeep``
file (which keeps an empty folder in git) is the one exception.

Source: certgen: the register's file layout; the path ``requests/<year>/<id>.yaml`` is
the record's identity (see R102).

Fix: rename or move the file to ``requests/<year>/<id>.yaml``, or move it out of
``requests/`` (notes and READMEs belong elsewhere in the repository).""",
        ),
    )
}


def load_file(path: str | Path, display: str) -> Loaded:
    """Read and load one regular file; problems become findings, never exceptions. A link,
    FIFO, socket or device is refused without being opened."""
    try:
        mode = os.lstat(path).st_mode
        raw = None if not stat.S_ISREG(mode) else _read_regular(path)
    except OSError as error:
        reason = error.strerror or str(error)
        return Loaded(None, [_finding(display, (1, 1), "Y014", f"cannot read file: {reason}")])
    if raw is None:
        return Loaded(None, [refused_file(display, mode)])
    return load_bytes(raw, display)


def _read_regular(path: str | Path) -> bytes | None:
    """At most MAX_BYTES + 1 bytes (a huge file is refused unread); None when ``path`` was
    replaced by a link or special file since it was looked at."""
    handle = os.open(path, os.O_RDONLY | _UNFOLLOWED)
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            return None
        chunks, wanted = [], min(status.st_size, MAX_BYTES) + 1  # sized: no 256 KiB buffer
        while wanted > 0 and (chunk := os.read(handle, wanted)):
            chunks.append(chunk)
            wanted = MAX_BYTES + 1 - sum(map(len, chunks))
        return b"".join(chunks)
    finally:
        os.close(handle)


def refused_file(display: str, mode: int) -> Finding:
    """The Y014 finding on ``display``, an entry that is not a regular file (``mode`` from
    lstat), which is never opened."""
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return _finding(display, (1, 1), "Y014", f"{kind} is refused here: {_REGULAR_ONLY}")


_REGULAR_ONLY = (
    "certgen reads only regular files and never follows a link (it could lead outside the "
    "repository) nor opens a FIFO, socket or device; put the file or folder itself here, "
    "or remove it"
)


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
    return build_document(display, text)


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


def _finding(display: str, where: Position, code: str, message: str) -> Finding:
    return Finding(display, where[0], where[1], code, Severity.ERROR, message, "")
