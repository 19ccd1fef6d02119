"""``certgen build``, apart from the other commands (generator/commands.py) so that a build
imports only what it uses: one after a few changes that publish nothing checks a handful of
files, and is over in less time than importing the workflow's modules would take."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.check import report
from generator.check.outcomes import CheckResult
from generator.check_command import project_of
from generator.cli import EXIT_CLEAN, EXIT_FINDINGS
from generator.website.build import build
from generator.website.inputs import BuildRefused
from generator.workflow.review import add_tree_findings


def _build(arguments: argparse.Namespace) -> int:
    project = project_of(arguments)
    out = Path(arguments.out) if arguments.out else project.root / "build" / "site"
    tracked = CheckResult([], 0)
    add_tree_findings(tracked, project)
    if tracked.errors:
        sys.stdout.write(report.as_text(tracked))
        print(
            "certgen: files are committed where the build writes; nothing was built",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    try:
        built = build(
            project,
            out,
            make_pdf=not arguments.no_pdf,
            jobs=arguments.jobs,
            progress=True,
            reuse_from=arguments.reuse_from,
        )
    except BuildRefused as refused:
        sys.stdout.write(report.as_text(refused.result))
        print(f"certgen: {refused}", file=sys.stderr)
        return EXIT_FINDINGS
    print(
        f"built {out}: {built.certificates} certificates published; {built.pages_written} "
        f"pages and {built.pdfs_made} PDFs made, {built.files_written} other files updated, "
        f"{built.files_removed} removed"
        + (
            f"; {built.checked} request file(s) checked, the changed ones and those linked "
            "with them (the rest as the last build checked them)"
            if built.checked is not None
            else ""
        )
    )
    if arguments.timings:
        print("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in built.timings.items()))
    return EXIT_CLEAN
