"""The Finding record: one located problem in one file, and the catalogue of finding codes.

Every stage reports problems as findings; only broken setup raises (see ``errors``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    severity: Severity
    message: str
    pointer: str = ""

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def as_dict(self) -> dict[str, str | int]:
        """The finding as the JSON output shows it."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "pointer": self.pointer,
        }


@dataclass(frozen=True)
class Code:
    """A finding code with its documentation (what is wrong, why, how to fix it)."""

    code: str
    name: str
    severity: Severity
    stage: str
    doc: str

    @property
    def summary(self) -> str:
        """The first paragraph (what is wrong) on one line, however it was wrapped."""
        return " ".join(self.doc.strip().split("\n\n")[0].split())


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def shown(value: object, limit: int = 60) -> str:
    """A value from a user's file, for a message: quoted, short, control characters shown."""
    text = value if isinstance(value, str) else _plain(value)
    text = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f'"{text}"' if isinstance(value, str) else text


def _plain(value: object) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)
