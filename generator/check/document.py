"""The positioned document: plain data from a YAML file, with the line and column of every
value and key, addressed by JSON pointer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.findings import Finding

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


def escape_pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def plain_location(pointer: str) -> str:
    """A JSON pointer in words: ``/products/0/net_weight_kg`` is
    "'net_weight_kg' of item 1 of 'products'"; the empty pointer is "the record"."""
    if not pointer:
        return "the record"
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    words = [f"item {int(t) + 1}" if t.isdigit() else f"'{t}'" for t in reversed(tokens)]
    return " of ".join(words)
