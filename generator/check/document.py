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


ITEM_WORDS = {
    "products": "product",
    "lots": "lot",
    "documents": "document",
    "containers": "container",
    "seals": "seal",
    "shipments": "shipment",
    "statements": "statement",
    "packages": "package",
}
"""What one item of a list is called in messages ("product 1", not "item 1 of 'products'")."""


def plain_location(pointer: str) -> str:
    """Where ``pointer`` is, in words: its field, then the list items it is in, innermost
    first: "'weight_kg' of lot 2 of product 1", "document 3", "'departure_date'"; the empty
    pointer is "the record"."""
    steps = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    if not steps:
        return "the record"
    words = [] if steps[-1].isdigit() else [f"'{steps[-1]}'"]
    for index in range(len(steps) - 1, 0, -1):
        if steps[index].isdigit():
            parent = steps[index - 1]
            noun = ITEM_WORDS.get(parent)
            number = int(steps[index]) + 1
            words.append(f"{noun} {number}" if noun else f"item {number} of '{parent}'")
    return " of ".join(words)
