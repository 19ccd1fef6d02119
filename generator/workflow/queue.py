"""``certgen queue``: the certificate desk's queue. Every open request (status ``requested``)
on the base branch and on every open branch of the remote (and, when GitHub is at hand, every
open pull request, forks included), with its document, exporter, destination, service level,
fee, when it was received, when it is due in the certifier's time zone (business days and
closures as ``certgen show`` counts them, by the desk's closing time), the hours left, and its
departure; most urgent first.

Requests are read from git objects (``git cat-file --batch``), not from a checkout, so one
run sees every branch; the reference data is the working tree's (the base branch's).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator.check.decide import Facts, calendar_for
from generator.check.load import load_bytes
from generator.check.pipeline import Checker
from generator.check.reference_data import Reference
from generator.errors import UsageError
from generator.findings import Severity
from generator.github import GitHub, PullRequest
from generator.project import Project
from generator.workflow.git_history import git, require_ref
from generator.workflow.pr_comment import code_span

_OPEN = re.compile(rb"^status:[ \t]*[\"']?requested[\"']?[ \t]*(#.*)?$", re.MULTILINE)
"""A cheap test of a file's text before it is parsed: most of a register is decided."""
REQUEST_PATH = re.compile(r"^(?:.*/)?requests/\d{4}/(?:IC|EC)-\d{4}-\d{4}\.yaml$")
DUE_TODAY, OVERDUE = "due-today", "overdue"
ISSUE_LABEL = "desk-queue"
"""The label of the issue that shows the queue (pin it once on GitHub)."""


@dataclass(frozen=True)
class Source:
    """Where an open request was found: a branch (and its pull request, if known)."""

    ref: str
    """The git ref read (origin/main, origin/request/avocados, ...)."""
    branch: str
    """The branch's name on the remote (main, request/avocados, pull/12)."""
    pull_request: int | None = None


@dataclass(frozen=True)
class QueueItem:
    request_id: str
    path: str
    branch: str
    pull_request: int | None
    document: str
    exporter: str
    destination: str
    service_level: str
    fee: str
    received: str
    """ISO date and time in the certifier's time zone."""
    due: str | None
    """ISO date and time by which it is due (the desk's closing time on the due day)."""
    hours_left: float | None
    """Hours from now to the due time; negative once overdue."""
    departure: str | None
    overdue: bool
    due_today: bool
    after_departure: bool
    """It cannot be served before the goods leave: due after the departure date."""
    errors: int
    """Error findings the request has today (it may not be complete yet)."""
    decided_on: str | None = None
    """A branch that issues or cancels it, not merged yet."""
    also_on: tuple[str, ...] = ()
    """Other branches that add a request under the same ID (one must be renumbered)."""
    departed: bool = False
    """The goods left before today: it can no longer be issued (R117)."""
    received_later: bool = False
    """Its requested_at is after now."""
    unreadable: str | None = None
    """Why the file cannot be read as a request, if it cannot."""

    @classmethod
    def unreadable_file(cls, request_id: str, path: str, source: Source, why: str) -> QueueItem:
        return cls(
            request_id=request_id,
            path=path,
            branch=source.branch,
            pull_request=source.pull_request,
            document="",
            exporter="",
            destination="",
            service_level="",
            fee="",
            received="",
            due=None,
            hours_left=None,
            departure=None,
            overdue=False,
            due_today=False,
            after_departure=False,
            errors=1,
            unreadable=why,
        )

    @property
    def flags(self) -> list[str]:
        if self.unreadable:
            return [f"cannot be read: {self.unreadable}"]
        flags = ["OVERDUE"] if self.overdue else ["due today"] if self.due_today else []
        if self.departed:
            flags.append(f"departed on {self.departure}: can no longer be issued")
        elif self.after_departure:
            flags.append("cannot be served before departure")
        if self.received_later:
            flags.append("received in the future: check requested_at")
        if self.also_on:
            flags.append(f"ID also used on {', '.join(self.also_on)}: renumber one")
        if self.errors:
            flags.append(f"{self.errors} error(s)")
        if self.decided_on:
            flags.append(f"decided on {self.decided_on}, not merged")
        return flags


def sources(project: Project, base: str, remote: str | None) -> list[Source]:
    """The base branch, then every branch of ``remote`` (none without one)."""
    require_ref(project.root, base)
    found = [Source(base, base.removeprefix(f"{remote}/") if remote else base)]
    if remote is None:
        return found
    if remote not in git(project.root, "remote").split():
        raise UsageError(f"there is no remote {remote!r} here (git remote -v lists them)")
    listed = git(
        project.root, "for-each-ref", "--format=%(refname:short)", f"refs/remotes/{remote}"
    )
    for ref in sorted(filter(None, listed.splitlines())):
        if ref in (base, f"{remote}/HEAD", remote):
            continue
        found.append(Source(ref, ref.removeprefix(f"{remote}/")))
    return found


def open_requests(
    checker: Checker, base: str, found: list[Source], now: datetime
) -> list[QueueItem]:
    """Every open request of ``found``, most urgent first (by due time, then by when it was
    received): each branch's own version of a request it adds or changes (one row a branch:
    two branches adding the same ID are both listed, and flagged); the base branch's for the
    rest. A request decided on the base branch is not open, whatever an older branch says; a
    request a branch issues or cancels stays listed, marked, until that branch is merged; a
    file that cannot be read is listed with why."""
    project = checker.project
    root = Path(git(project.root, "rev-parse", "--show-toplevel").strip())
    folder = str(project.requests_dir.resolve().relative_to(root.resolve()))
    wanted = [(s, p) for s in found for p in _paths(root, base, s, folder)]
    blobs = _read_blobs(root, [(s.ref, p) for s, p in wanted])
    on_base = {Path(p).stem: blobs.get((s.ref, p)) for s, p in wanted if s.ref == base}
    closed = {
        i for i, content in on_base.items() if content is not None and not _OPEN.search(content)
    }
    rows: list[QueueItem] = []
    branches_of: dict[str, list[str]] = {}
    decided: dict[str, str] = {}
    for source, path in wanted:
        content, request_id = blobs.get((source.ref, path)), Path(path).stem
        if content is None or request_id in closed:
            continue  # removed on the branch, or decided on the base branch already
        on_a_branch = source.ref != base
        if on_a_branch:
            branches_of.setdefault(request_id, []).append(source.branch)
        item = _item(checker, source, path, content, now)
        if item is None:  # decided on this branch
            decided[request_id] = source.branch
        else:
            rows.append(item)
    base_name = _base_name(found)
    edited = {r.request_id for r in rows if r.branch != base_name}  # a branch's open version
    rows = [r for r in rows if r.branch != base_name or r.request_id not in edited]
    for index, row in enumerate(rows):
        others = [b for b in branches_of.get(row.request_id, []) if b != row.branch]
        if others and row.request_id not in on_base:
            rows[index] = row = replace(row, also_on=tuple(others))
        if row.request_id in decided and decided[row.request_id] != row.branch:
            rows[index] = replace(row, decided_on=decided[row.request_id])
    return sorted(rows, key=_urgency)


def _base_name(found: list[Source]) -> str:
    return found[0].branch


def _paths(root: Path, base: str, source: Source, folder: str) -> list[str]:
    """Request files to read on ``source``: all of the base branch's; a branch's own changes
    (against where it left the base branch)."""
    if source.ref == base:
        listed = git(root, "ls-tree", "-r", "--name-only", "-z", base, "--", folder)
    else:
        listed = git(root, "diff", "--name-only", "-z", f"{base}...{source.ref}", "--", folder)
    return [p for p in listed.split("\0") if REQUEST_PATH.match(p)]


def _read_blobs(root: Path, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    """The content of each (ref, path) that exists, in one git process."""
    if not wanted:
        return {}
    query = "".join(f"{ref}:{path}\n" for ref, path in wanted).encode("utf-8")
    completed = subprocess.run(
        ["git", "cat-file", "--batch"], cwd=root, input=query, capture_output=True, check=True
    )
    out, position, found = completed.stdout, 0, {}
    for key in wanted:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        found[key] = out[position : position + size]
        position += size + 1
    return found


def _item(
    checker: Checker, source: Source, path: str, content: bytes, now: datetime
) -> QueueItem | None:
    """The queue's row for one request file, None when it is decided (not requested)."""
    display = f"{source.branch}:{path}"
    loaded = load_bytes(content, display)
    document, facts, findings = checker.inspect_loaded(loaded, display)
    if document is None:
        first = findings[0] if findings else None
        why = f"{first.code} at line {first.line}: {first.message}" if first else "not YAML"
        return QueueItem.unreadable_file(Path(path).stem, path, source, why)
    if document.data.get("status") != "requested":
        return None
    data = document.data
    reference = checker.reference
    assert reference is not None
    calendar = calendar_for(reference.calendar)
    received, due_day = _clock(data, facts, reference)
    due = calendar.due_at(due_day) if due_day else None
    leaves = _leaves(data)
    exporter = data.get("exporter")
    place = data.get("destination")
    market = reference.market_for(str(place.get("country", "")) if isinstance(place, dict) else "")
    destination = "United States" if data.get("kind") == "import" else market.name
    level = reference.service_levels.get(str(data.get("service_level")))
    today = now.astimezone(calendar.zone).date()
    return QueueItem(
        request_id=str(data.get("id", Path(path).stem)),
        path=path,
        branch=source.branch,
        pull_request=source.pull_request,
        document=facts.document_type.title if facts else "",
        exporter=str(exporter.get("name", "")) if isinstance(exporter, dict) else "",
        destination=destination,
        service_level=level.title if level else str(data.get("service_level", "")),
        fee=f"{facts.fee.currency} {facts.fee.total:,.2f}" if facts and facts.fee else "",
        received=received.isoformat(timespec="minutes") if received else "",
        due=due.isoformat(timespec="minutes") if due else None,
        hours_left=round((due - now).total_seconds() / 3600, 1) if due else None,
        departure=leaves.isoformat() if leaves else None,
        overdue=due is not None and now > due,
        due_today=due is not None and due.date() == today and now <= due,
        after_departure=bool(due and leaves and due.date() > leaves),
        errors=sum(f.severity is Severity.ERROR for f in findings),
        departed=bool(leaves and leaves < today and data.get("mode") != "time_frame"),
        received_later=bool(received and received > now),
    )


def _leaves(data: dict[str, Any]) -> date | None:
    """When the goods leave: the departure date, or a time frame's first day."""
    transport, frame = data.get("transport"), data.get("time_frame")
    departure = transport.get("departure_date") if isinstance(transport, dict) else None
    start = frame.get("valid_from") if isinstance(frame, dict) else None
    return _day(departure) or _day(start)


def _clock(
    data: dict[str, Any], facts: Facts | None, reference: Reference
) -> tuple[datetime | None, date | None]:
    """When the request was received and the day it is due: from its facts, or, while it
    does not pass the schema yet, from ``requested_at`` and ``service_level`` alone."""
    if facts is not None:
        return facts.received, facts.due
    calendar = calendar_for(reference.calendar)
    try:
        received = datetime.fromisoformat(str(data.get("requested_at")))
    except ValueError:
        return None, None
    if received.tzinfo is None:
        return None, None
    received = received.astimezone(calendar.zone)
    level = reference.service_levels.get(str(data.get("service_level")))
    start = calendar.clock_start(received)
    return received, calendar.add_business_days(start, level.business_days) if level else None


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _urgency(item: QueueItem) -> tuple[bool, str, str]:
    return (item.due is None, item.due or "", item.received)


def with_pull_requests(
    project: Project, remote: str | None, found: list[Source], pulls: list[PullRequest]
) -> list[Source]:
    """``found`` with each open pull request's number on the branch at its head commit; a
    pull request whose head is on no branch here (a fork's) is fetched from
    ``refs/pull/<n>/head`` of ``remote``."""
    heads = {s.ref: git(project.root, "rev-parse", s.ref).strip() for s in found}
    result = list(found)
    for pull in sorted(pulls, key=lambda p: p.number):
        at = [i for i, s in enumerate(result) if heads.get(s.ref) == pull.head_sha]
        free = [i for i in at if result[i].pull_request is None and result[i].ref != found[0].ref]
        if free:
            result[free[0]] = replace(result[free[0]], pull_request=pull.number)
            continue
        if remote is None:
            continue
        ref = f"refs/remotes/{remote}/pull/{pull.number}"
        fetched = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", ref],
            cwd=project.root,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if fetched == pull.head_sha:  # fetched already (the workflow fetches them all)
            result.append(
                Source(f"{remote}/pull/{pull.number}", f"pull/{pull.number}", pull.number)
            )
            continue
        try:
            git(
                project.root,
                "fetch",
                "--quiet",
                "--no-tags",
                remote,
                f"+refs/pull/{pull.number}/head:{ref}",
            )
        except UsageError:
            print(
                f"certgen: pull request #{pull.number}'s head could not be fetched from "
                f"{remote} (no access?); its requests are not listed",
                file=sys.stderr,
            )
            continue
        result.append(Source(f"{remote}/pull/{pull.number}", f"pull/{pull.number}", pull.number))
    return result


def apply_labels(github: GitHub, items: list[QueueItem], pulls: list[PullRequest]) -> list[str]:
    """Label the pull requests ``due-today`` or ``overdue`` and take the labels off those
    that no longer are; what was done, one line each."""
    wanted = labels_for(items)
    open_numbers = {p.number for p in pulls}
    done = []
    for label in (DUE_TODAY, OVERDUE):
        should = {n for n, labels in wanted.items() if label in labels}
        carrying = set(github.labelled(label)) & open_numbers
        for number in sorted(carrying - should):
            github.set_labels(number, [], [label])
            done.append(f"#{number}: {label} removed")
        for number in sorted(should - carrying):
            github.set_labels(number, [label], [])
            done.append(f"#{number}: {label} added")
    return done


def labels_for(items: list[QueueItem]) -> dict[int, set[str]]:
    """The queue labels each pull request should carry: overdue, due-today, or none."""
    wanted: dict[int, set[str]] = {}
    for item in items:
        if item.pull_request is None:
            continue
        labels = wanted.setdefault(item.pull_request, set())
        if item.overdue:
            labels.add(OVERDUE)
        elif item.due_today:
            labels.add(DUE_TODAY)
    for labels in wanted.values():
        if OVERDUE in labels:
            labels.discard(DUE_TODAY)
    return wanted


# --- output ------------------------------------------------------------------------------------

COLUMNS = (
    ("due", "due"),
    ("hours left", "hours_left"),
    ("request", "request_id"),
    ("document", "document"),
    ("exporter", "exporter"),
    ("destination", "destination"),
    ("service", "service_level"),
    ("fee", "fee"),
    ("received", "received"),
    ("departure", "departure"),
    ("branch", "branch"),
)


def as_json(items: list[QueueItem], now: datetime) -> str:
    rows = [asdict(item) | {"flags": item.flags} for item in items]
    return json.dumps({"now": now.isoformat(timespec="minutes"), "requests": rows}, indent=2) + "\n"


def as_text(items: list[QueueItem], now: datetime, zone: str) -> str:
    if not items:
        return f"no open requests ({_when(_in(now, zone))} {zone})\n"
    rows = [[_cell(item, key) for _, key in COLUMNS] + [", ".join(item.flags)] for item in items]
    header = [title for title, _ in COLUMNS] + ["flags"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    overdue = sum(item.overdue for item in items)
    lines.append(
        f"{len(items)} open request(s), {overdue} overdue; times in {zone}, "
        f"now {_when(_in(now, zone))}"
    )
    return "\n".join(lines) + "\n"


def as_markdown(items: list[QueueItem], now: datetime, zone: str) -> str:
    """A table for the job summary or the pinned issue; text from requests is escaped."""
    out = [
        "## Certificate desk queue",
        "",
        f"{len(items)} open request(s), {sum(i.overdue for i in items)} overdue; times in "
        f"{zone}; updated {_when(_in(now, zone))}.",
        "",
    ]
    if not items:
        return "\n".join(out) + "\n"
    header = [title for title, _ in COLUMNS] + ["flags"]
    out += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for item in items:
        cells = [_markdown_cell(item, key) for _, key in COLUMNS]
        cells.append(code_span(", ".join(item.flags)))  # they quote branch names and files
        if item.pull_request is not None:  # certgen's own text: GitHub links it
            cells[COLUMNS.index(("branch", "branch"))] = f"#{item.pull_request}"
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _cell(item: QueueItem, key: str) -> str:
    value = getattr(item, key)
    if key in ("due", "received"):
        return _when(value) if value else "?"
    if key == "hours_left":
        return "?" if value is None else f"{value:+.1f}"
    return "" if value is None else str(value)


def _in(moment: datetime, zone: str) -> str:
    """``moment`` as an ISO date and time in the certifier's time zone ``zone``."""
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def _when(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return f"{moment:%a %d %b %H:%M}"


UNTRUSTED = {"request_id", "exporter", "service_level", "branch"}
"""Columns whose text a branch wrote (a fork's too): shown as code spans, which GitHub never
turns into a mention, a link or HTML."""


def _markdown_cell(item: QueueItem, key: str) -> str:
    text = _cell(item, key)
    return code_span(text) if key in UNTRUSTED else text.replace("|", "\\|")


def parse_now(text: str | None) -> datetime:
    if text is None:
        return datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--now {text!r} is not a date and time (2026-12-01T09:30-08:00)"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"--now {text!r} needs its time zone offset (2026-12-01T09:30-08:00)")
    return moment
