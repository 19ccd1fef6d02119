"""Which rows the register's aggregates (year pages and indexes, the newest certificates, the
lookup files) are made from: every certificate's, or, in a build after a few changes that
keep every published certificate, only those of the years and lookup files that hold a changed
certificate; the other aggregate files are carried in the output folder's manifest as the last
build made them."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.website.downloads import Part
from generator.website.output_folder import Manifest
from generator.website.register import (
    LATEST_ROWS,
    LookupLayout,
    Row,
    YearRow,
)
from generator.website.register_view import RegisterView


@dataclass(frozen=True)
class Since:
    """What a build after a few changes takes from the last build."""

    changed: frozenset[str]
    """The IDs of the certificates that changed or are gone (their files are made again, or
    removed; the others' are as the last build left them)."""
    parts: dict[str, Part]
    """The downloads' parts of the last build."""
    layout: LookupLayout | None
    """How the lookup's entries are spread once the changes are published: the last build's
    layout with the new certificates' numbers and IDs added, when every certificate it
    published still is, with the same number (only the lookup files of the changed
    certificates are made); None: spread anew."""
    register: RegisterView
    """Every certificate published once the changes are: the last build's, as kept, with
    the changed ones."""


@dataclass
class Aggregates:
    """The rows the register's aggregates are made from: every certificate's, or, after a few
    changes that keep every certificate (``since.layout``), those of the years and lookup
    files that hold a changed certificate (the others' files are carried in the manifest)."""

    years: set[int] | None
    """The years whose files are made (None: all)."""
    wanted: tuple[int, set[str]] | None
    """The number of lookup files, and those made (None: all)."""
    members: set[str]
    """The certificates whose rows give the entries of the lookup files made."""
    layout: LookupLayout | None
    lookup_rows: list[Row] = field(default_factory=list)
    """The rows of the lookup files made."""
    year_rows: list[YearRow] = field(default_factory=list)
    """The rows of the years made."""
    whole: tuple[list[Row], dict[int, int]] = field(default_factory=lambda: ([], {}))
    """The register's newest rows, and how many certificates each year holds."""

    @classmethod
    def of(cls, register: RegisterView, since: Since | None, manifest: Manifest) -> Aggregates:
        if since is None or since.layout is None:
            return cls(None, None, set(), None)
        layout = since.layout
        changed = [c for i in since.changed if (c := register.get(i)) is not None]
        years = {c.year for c in changed}
        wanted = layout.files_of(changed)
        members = set().union(*(layout.members.get(name, ()) for name in wanted))
        every_year = set(register.years)
        manifest.carry_files(
            [f"register/{y}.html" for y in every_year - years]
            + [f"data/register/{y}.js" for y in every_year - years]
            + [f"data/lookup/{name}.js" for name in set(layout.members) - wanted]
        )
        return cls(years, (layout.count, wanted), members, layout)

    def make_rows(self, register: RegisterView) -> None:
        self.whole = [Row.of(c) for c in register.newest(LATEST_ROWS)], register.counts()
        if self.years is None:
            every = register.every()
            self.lookup_rows = [Row.of(c) for c in every]
            self.year_rows = [
                register.year_row(c, row) for c, row in zip(every, self.lookup_rows, strict=True)
            ]
            return
        made = [c for year in sorted(self.years) for c in register.year(year)]
        self.year_rows = [register.year_row(c) for c in made]
        members = [register.get(i) for i in sorted(self.members)]
        self.lookup_rows = [Row.of(c) for c in members if c is not None]
