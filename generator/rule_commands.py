"""``certgen rules`` and ``certgen explain``: the finding codes' documentation. Apart from
generator/commands.py so that they need neither a register nor the site builder."""

from __future__ import annotations

import argparse
import shutil
import textwrap

from generator.check.catalog import STAGE_TITLES, kept_codes, summary_text
from generator.cli import EXIT_CLEAN
from generator.errors import UsageError
from generator.project import cache_home


def _rules(arguments: argparse.Namespace) -> int:
    """Every code, its severity and name, and under them its whole summary, wrapped to the
    terminal (at most 100 columns), never cut."""
    width = max(60, min(100, shutil.get_terminal_size((100, 24)).columns))
    stage = None
    for code in kept_codes(cache_home() / "codes").values():
        if code.stage != stage:
            stage = code.stage
            print(f"\n{STAGE_TITLES[stage]}")
        print(f"  {code.code}  {code.severity:<7}  {code.name}")
        print(
            textwrap.fill(
                summary_text(code), width, initial_indent=" " * 8, subsequent_indent=" " * 8
            )
        )
    return EXIT_CLEAN


def _explain(arguments: argparse.Namespace) -> int:
    code = kept_codes(cache_home() / "codes").get(arguments.code.upper())
    if code is None:
        raise UsageError(f"unknown code {arguments.code!r}; 'certgen rules' lists them")
    print(f"{code.code} {code.name} ({code.severity}, {STAGE_TITLES[code.stage].lower()})\n")
    print(code.doc)
    return EXIT_CLEAN
