"""``certgen check``, and what every command shares: the project it works on, and the output
files it may write. Kept apart from the other commands so that checking a file (a pre-commit
hook, an editor) imports the checker only, not the site builder, the PDF renderer or git and
GitHub's clients; and the checker is imported only once the listing of a large register (what
a check of one file waits for) has started, in other processes."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

from generator.check import listing
from generator.cli import EXIT_CLEAN, EXIT_FINDINGS
from generator.errors import UsageError
from generator.files import write_atomically
from generator.project import Project


def project_of(arguments: argparse.Namespace) -> Project:
    if arguments.project:
        return Project.find(Path(arguments.project))
    return Project.find(Path.cwd())


_KEPT = ("requests", "records", "data", "schemas", "site", ".git")
"""What the repository keeps: an output flag never writes there (only ``--out`` writes a
site, and only where the build allows)."""


def output_path(flag: str, name: str | None, project: Project) -> Path | None:
    """Where ``flag`` may write ``name``: a new or regular file, reached through no link in or
    into the repository, and outside the folders the repository keeps."""
    if not name:
        return None
    path = Path.cwd() / name  # not normalized: "link/.." is where the link leads, then up
    try:
        mode: int | None = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise UsageError(f"{flag} {name}: cannot be written ({error.strerror})") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(f"{flag} {name}: {_kind(mode)}; {_OUTPUT_ONLY}")
    root = project.root.resolve()
    for folder in path.parents:  # a link of the system's (macOS's /tmp) leads elsewhere
        inside = folder.is_relative_to(root) or _real(folder).is_relative_to(root)
        if folder.is_symlink() and inside:
            raise UsageError(f"{flag} {name}: its folder {folder} is a link; {_OUTPUT_ONLY}")
    real = _real(path)
    for kept in _KEPT:
        if real.is_relative_to(root / kept):
            raise UsageError(
                f"{flag} {name}: inside {kept}/, which the repository keeps; an output file "
                "is written elsewhere (e.g. outside the repository, or in build/)"
            )
    return path


_OUTPUT_ONLY = (
    "certgen writes an output only to a new or regular file, never through a link (it could "
    "lead anywhere) nor into a FIFO or device: give another file's path"
)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a folder" if stat.S_ISDIR(mode) else "not a regular file"


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (checked by ``output_path``) as a new file renamed over it:
    a link, or a hard link to a kept file, put there since is replaced, never written through."""
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"{path}: cannot be written ({error.strerror or error})") from None


def _check(arguments: argparse.Namespace) -> int:
    project = project_of(arguments)
    summary_file = output_path("--summary-file", arguments.summary_file, project)
    summary_json = output_path("--summary-json", arguments.summary_json, project)
    paths = arguments.paths or [os.path.relpath(project.requests_dir)]
    listings = listing.start_for(paths)
    try:
        return _checked(arguments, project, paths, listings, summary_file, summary_json)
    finally:
        for started in listings.values():
            started.discard()


def _checked(
    arguments: argparse.Namespace,
    project: Project,
    paths: list[str],
    listings: dict[str, listing.Listing],
    summary_file: Path | None,
    summary_json: Path | None,
) -> int:
    from generator.check import report
    from generator.check.pipeline import Checker, run_check
    from generator.workflow.review import add_tree_findings, review

    checker = Checker(project)
    index = project.index_dir if project.cache_outside else None
    result = run_check(checker, paths, arguments.jobs, index_folder=index, listings=listings)
    add_tree_findings(result, project)
    if arguments.base:
        review(result, checker, project, arguments.base)
    if arguments.format == "github":  # annotations, as in a workflow, then the summary line
        sys.stdout.write(report.github_annotations(result.findings))
        sys.stdout.write(report.as_text(result).splitlines(keepends=True)[-1])
    else:
        sys.stdout.write(
            report.as_json(result) if arguments.format == "json" else report.as_text(result)
        )
    if os.environ.get("GITHUB_ACTIONS") == "true":
        if arguments.format == "text":  # JSON output stays parseable
            sys.stdout.write(report.github_annotations(result.findings))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(report.step_summary(result))
    if summary_file:
        write_output(summary_file, report.step_summary(result))
    if summary_json:
        from generator.workflow.pr_summary import event_pull_request

        pull_request = event_pull_request(os.environ.get("GITHUB_EVENT_PATH"))
        write_output(summary_json, report.summary_json(result, pull_request))
    return EXIT_FINDINGS if result.errors else EXIT_CLEAN
