"""What each ``certgen`` command does (``generator/cli.py`` parses the command line and maps
the outcome to an exit code). Kept apart from the parser so that ``certgen --help`` and a
mistyped option answer without importing the checker, the site builder or the PDF renderer."""

from __future__ import annotations

import argparse
import errno
import os
import re
import stat
import sys
from pathlib import Path

from generator.check import report
from generator.check.discovery import discover
from generator.check.load import MAX_BYTES, refused_file
from generator.check.pipeline import Checker
from generator.check.schema import load_schema
from generator.check_command import output_path, project_of, write_output
from generator.cli import EXIT_CLEAN, EXIT_FINDINGS
from generator.errors import UsageError
from generator.files import write_atomically
from generator.findings import Severity
from generator.github import GitHub
from generator.project import Project
from generator.record.keys import KeyRing
from generator.website.published_site import PublishedSite
from generator.website.verification import verify
from generator.workflow import pr_comment, show
from generator.workflow.intake import MAX_BODY, Intake, carried_over, intake
from generator.workflow.intake import comment as intake_comment
from generator.workflow.intake_branch import IssueRequest, take_issue
from generator.workflow.intake_file import intake_file
from generator.workflow.lifecycle import Lifecycle, default_base, scaffold
from generator.workflow.pr_summary import (
    SCHEMA_NAME,
    read_summary,
    workflow_run,
)
from generator.workflow.remote_branch import Remote


def _queue(arguments: argparse.Namespace) -> int:
    from generator.workflow import queue

    project = project_of(arguments)
    base = arguments.base or default_base(project)
    if base is None:
        raise UsageError("no base branch: give --base (the queue reads requests from git)")
    remote = arguments.remote or ("origin" if base.startswith("origin/") else None)
    now = queue.parse_now(arguments.now)
    found = queue.sources(project, base, remote)
    github = pulls = None
    if arguments.github or arguments.label or arguments.issue:
        from generator.github import GitHub

        github = GitHub.from_environment(arguments.repository)
        pulls = github.open_pull_requests()
        found = queue.with_pull_requests(project, remote, found, pulls)
    checker = Checker(project)
    if checker.reference is None:
        raise UsageError("data/ has errors, so due dates cannot be counted: run certgen check")
    items = queue.open_requests(checker, base, found, now)
    zone = checker.reference.calendar.timezone
    shown = {
        "json": lambda: queue.as_json(items, now),
        "markdown": lambda: queue.as_markdown(items, now, zone),
        "text": lambda: queue.as_text(items, now, zone),
    }[arguments.format]()
    sys.stdout.write(shown)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") == "true" and summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(queue.as_markdown(items, now, zone))
    if github is not None and pulls is not None:
        if arguments.label:
            for line in queue.apply_labels(github, items, pulls):
                print(line, file=sys.stderr)
        if arguments.issue:
            number = github.keep_issue(
                queue.ISSUE_LABEL, "Certificate desk queue", queue.as_markdown(items, now, zone)
            )
            print(f"the queue is shown on issue #{number}", file=sys.stderr)
    return EXIT_CLEAN


def _approvals(arguments: argparse.Namespace) -> int:
    from generator.github import GitHub
    from generator.workflow.approval_check import check_approvals

    project = project_of(arguments)
    github = GitHub.from_environment(arguments.repository)
    checked = check_approvals(project, arguments.base, github, arguments.pull_request)
    for line in checked.lines():
        print(line)
    sys.stdout.write(report.as_text(checked.result))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        sys.stdout.write(report.github_annotations(checked.result.findings))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(checked.summary())
    return EXIT_FINDINGS if checked.result.errors else EXIT_CLEAN


def _comment(arguments: argparse.Namespace) -> int:
    project = project_of(arguments)
    output = output_path("--output", arguments.output, project)
    read = read_summary(Path(arguments.summary), load_schema(project.schema_dir / SCHEMA_NAME))
    if output:
        outcome = pr_comment.preview(read, output, write_output)
    else:
        event = arguments.event or os.environ.get("GITHUB_EVENT_PATH")
        if not event:
            raise UsageError("give --event FILE (the workflow_run event), or --output FILE")
        run = workflow_run(Path(event))
        client = GitHub.from_environment(arguments.repository)
        url = pr_comment.run_url(client.repository, run.id, os.environ.get("GITHUB_SERVER_URL"))
        outcome = pr_comment.comment_on_run(client, read, run, url)
    if outcome.failed and os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::error::{outcome.message}")
    else:
        print(outcome.message)
    return EXIT_FINDINGS if outcome.failed else EXIT_CLEAN


def _show(arguments: argparse.Namespace) -> int:
    project = project_of(arguments)
    if os.path.isdir(arguments.path) and not os.path.islink(arguments.path):
        raise UsageError(f"{arguments.path}: a folder; give one request file")
    found = discover([arguments.path])  # as check: no link followed, no special file opened
    checker = Checker(project)
    document = facts = None
    findings = found.findings
    if not findings:
        path, display = found.files[0]
        document, facts, findings = checker.inspect(path, display)
        if document is not None and facts is None and not findings:  # frozen: today's facts
            _, facts, _ = checker.inspect(path, display, as_issued_now=True)
    findings = sorted([*checker.data_findings, *findings], key=lambda f: f.sort_key())
    if arguments.format == "json":
        sys.stdout.write(show.as_json(document, facts, findings))
    else:
        sys.stdout.write(show.as_text(document, facts, findings, checker.reference))
    return EXIT_FINDINGS if any(f.severity is Severity.ERROR for f in findings) else EXIT_CLEAN


def _serve(arguments: argparse.Namespace) -> int:
    from generator.website.preview import serve

    project = project_of(arguments)
    host, _, port = arguments.dev_addr.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--dev-addr {arguments.dev_addr!r} is not HOST:PORT (127.0.0.1:8000)")
    try:
        serve(project, host, int(port), make_pdf=not arguments.no_pdf)
    except OSError as error:  # the port is taken, or the address is not this machine's
        raise UsageError(f"cannot serve on {arguments.dev_addr}: {error.strerror}") from None
    return EXIT_CLEAN


def _new(arguments: argparse.Namespace) -> int:
    project = project_of(arguments)
    lifecycle = Lifecycle.open(project)
    _check_new_options(arguments, lifecycle)
    options = {
        "importer": arguments.importer,
        "destination": arguments.destination,
        "mode": arguments.mode,
        "transport": arguments.transport,
        "service_level": arguments.service_level,
    }
    base = arguments.base or default_base(project)
    path = scaffold(lifecycle, arguments.kind, arguments.exporter, arguments.by, options, base)
    shown = os.path.relpath(path)
    print(f"created {shown}: fill in the empty fields, then run certgen check {shown}")
    _, _, findings = lifecycle.checker.inspect(path, shown)
    blocking = [f for f in findings if f.code[0] not in "SY"]  # not the fields left empty
    if blocking:
        print("what will block this request, whatever is filled in:")
        for finding in blocking:
            print(report.text_line(finding))
    return EXIT_CLEAN


def _check_new_options(arguments: argparse.Namespace, lifecycle: Lifecycle) -> None:
    """Refuse, before anything is written, option values the request could never pass with."""
    ref = lifecycle.ref
    if arguments.kind == "export":
        if not arguments.destination:
            raise UsageError("an export request needs --destination (ISO country code, XI for NI)")
        country = arguments.destination
        if country.upper() == "US":
            raise UsageError(
                "--destination US: an export leaves the United States; for goods entering "
                "the US, make an import request (certgen new import)"
            )
        if not country_is_known(country):
            hint = f"; did you mean {country.upper()}?" if country_is_known(country.upper()) else ""
            raise UsageError(
                f"--destination {country!r} is not a country code (ISO 3166-1 alpha-2, such as "
                f"DE or JP; XI for Northern Ireland){hint}"
            )
        if arguments.mode:
            raise UsageError("--mode is for import requests (NOP Import Certificates) only")
    level = arguments.service_level
    if level and level not in ref.service_levels:
        raise UsageError(
            f"--service-level {level!r} is not offered: {', '.join(ref.service_levels)}"
        )
    by = arguments.by
    if not by.startswith("github:") and by not in ref.certifier.staff:
        preparers = sorted(h for h, m in ref.certifier.staff.items() if "preparer" in m.roles)
        raise UsageError(
            f"--by {by!r} is not on the staff list (data/certifier.yaml): {', '.join(preparers)}; "
            "or github:<login> for a requester outside the staff"
        )


def country_is_known(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code, in capitals, that exists (or XI, Northern Ireland)."""
    import pycountry

    from generator.check.rules.records import EXTRA_COUNTRY_CODES

    if len(code) != 2 or not code.isupper():
        return False
    return code in EXTRA_COUNTRY_CODES or pycountry.countries.get(alpha_2=code) is not None


def _issue(arguments: argparse.Namespace) -> int:
    lifecycle = Lifecycle.open(project_of(arguments))
    lifecycle.issue(Path(arguments.path), arguments.by, arguments.number, arguments.on)
    print(f"issued {arguments.path} (decided by {arguments.by})")
    return EXIT_CLEAN


def _freeze(arguments: argparse.Namespace) -> int:
    lifecycle = Lifecycle.open(project_of(arguments))
    for path in arguments.paths:
        target = lifecycle.freeze(Path(path))
        print(f"froze {path} in {os.path.relpath(target)}: commit it with the request")
    return EXIT_CLEAN


def _cancel(arguments: argparse.Namespace) -> int:
    lifecycle = Lifecycle.open(project_of(arguments))
    lifecycle.cancel(
        Path(arguments.path), arguments.by, arguments.reason, arguments.note, arguments.on
    )
    print(f"cancelled {arguments.path} ({arguments.reason})")
    return EXIT_CLEAN


def _amend(arguments: argparse.Namespace) -> int:
    project = project_of(arguments)
    lifecycle = Lifecycle.open(project)
    base = arguments.base or default_base(project)
    target = lifecycle.amend(Path(arguments.path), arguments.by, base)
    print(
        f"created {os.path.relpath(target)}, superseding {arguments.path}: correct it, then a "
        "reviewer issues it (certgen issue) in the same pull request"
    )
    return EXIT_CLEAN


def _intake(arguments: argparse.Namespace) -> int:
    if (arguments.body is None) == (arguments.file is None):
        raise UsageError("give one of: an issue body (FILE, or - for stdin), or --file REQUEST")
    if arguments.file is not None:
        return _intake_file(arguments)
    if arguments.kind is None:
        raise UsageError("--kind import|export is required with an issue body")
    project = project_of(arguments)
    comment = output_path("--comment", arguments.comment, project)
    raw = _read_capped(arguments.body, MAX_BODY + 1)
    body = raw.decode("utf-8", errors="replace")
    lifecycle = Lifecycle.open(project)
    if arguments.issue is not None:
        return _intake_issue(arguments, lifecycle, body, comment)
    base = arguments.base or default_base(project)
    into = Path(arguments.into) if arguments.into else None
    request_id = _id_of(into, lifecycle)
    try:
        result = intake(lifecycle, arguments.kind, body, arguments.by, base, request_id)
    except UsageError as error:
        result = Intake(problems=[("Request", str(error))])
    if comment:
        write_output(comment, intake_comment(result, arguments.kind))
    for label, message in result.problems:
        print(f"{label}: {message}")
    if result.problems or result.path is None or result.text is None:
        return EXIT_FINDINGS
    for finding in result.for_desk:  # confidential fields no form asks for: not the client's to fix
        print(report.text_line(finding))
    if into is not None:
        written = into.read_text("utf-8")
        write_atomically(into, carried_over(written, result.text).encode("utf-8"))
    elif arguments.write:
        result.path.parent.mkdir(parents=True, exist_ok=True)
        result.path.write_text(result.text, "utf-8")
    print(os.path.relpath(into or result.path))
    return EXIT_CLEAN


def _id_of(into: Path | None, lifecycle: Lifecycle) -> str | None:
    """The ID of the request file ``--into`` names: an existing regular file at
    requests/<year>/<id>.yaml of this repository, reached through no link."""
    if into is None:
        return None
    place = Path(os.path.relpath(os.path.abspath(into), lifecycle.project.root)).parts
    named = re.fullmatch(r"(IC|EC)-([0-9]{4})-[0-9]{4}\.yaml", into.name)
    if not named or place != ("requests", named.group(2), into.name) or not into.exists():
        raise UsageError(f"--into {into}: not a request file (requests/<year>/<id>.yaml)")
    lifecycle.require_regular(into)
    return into.stem


def _intake_issue(
    arguments: argparse.Namespace, lifecycle: Lifecycle, body: str, comment: Path | None
) -> int:
    if not re.fullmatch(r"[1-9][0-9]{0,9}", arguments.issue):
        raise UsageError(f"--issue takes the issue's number, not {arguments.issue[:20]!r}")
    remote_name, _, branch = (arguments.base or "origin/main").partition("/")
    if not branch:
        raise UsageError("with --issue, --base names the remote branch, e.g. origin/main")
    token = os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN")
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/") + "/"
    remote = Remote(lifecycle.project.root, remote_name, token, server)
    issue = IssueRequest(int(arguments.issue), arguments.kind, body, arguments.by)
    outcome = take_issue(lifecycle, GitHub.from_environment(), remote, issue, branch)
    if comment:
        write_output(comment, outcome.comment)
    print(outcome.summary)
    return EXIT_FINDINGS if outcome.result and outcome.result.problems else EXIT_CLEAN


def _intake_file(arguments: argparse.Namespace) -> int:
    project = project_of(arguments)
    raw = _read_capped(arguments.file, MAX_BYTES + 1)
    lifecycle = Lifecycle.open(project)
    base = arguments.base or default_base(project)
    result = intake_file(lifecycle, raw, arguments.file, arguments.by, base)
    for finding in result.findings:
        print(report.text_line(finding))
    print(os.path.relpath(result.path))
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN


def _read_capped(name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of the file ``name`` (- for stdin), a regular file: a link is
    not followed and a FIFO or device is refused unread (in Y014's words), never waited on."""
    if name == "-":
        return sys.stdin.buffer.read(limit)
    try:
        handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            mode = os.lstat(name).st_mode
            raise UsageError(f"{name}: {refused_file(name, mode).message}") from None
        raise UsageError(f"{name}: cannot read it ({error.strerror})") from error
    with os.fdopen(handle, "rb") as file:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise UsageError(f"{name}: {refused_file(name, mode).message}")
        return file.read(limit)


def _verify(arguments: argparse.Namespace) -> int:
    site = PublishedSite(arguments.site) if arguments.site else None
    if site is None and not arguments.project and not _inside_project():
        raise UsageError(
            "give --site (the built site, or its address): the keys and the register come from it"
        )
    ring = site.keyring() if site else KeyRing.load(project_of(arguments).signing_dir)
    verdict = verify(Path(arguments.path), ring, site)
    for line in verdict.lines:
        print(line)
    if verdict.valid and verdict.current:
        print("VALID: signed by the certifier, as published, and current")
        return EXIT_CLEAN
    if not verdict.valid:
        print("NOT VALID")
    elif not verdict.status_checked:
        print("SIGNATURE VALID, STATUS NOT CHECKED: give --site to check it against the register")
    else:
        print("NOT CURRENT: see the status above")
    return EXIT_FINDINGS


def _inside_project() -> bool:
    try:
        Project.find(Path.cwd())
    except UsageError:
        return False
    return True
