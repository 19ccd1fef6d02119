"""The rule registry: small named rule functions, each with a stable code, a severity and a
docstring that is its user documentation (what is wrong, why, how to fix it).

Rules return ``Problem(pointer, message)``; the runner adds code, severity, file, line, column.
Rules never print, raise for bad data, or read files.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from generator.check.decide import Facts
from generator.check.document import Document, Position
from generator.check.reference_data import Reference
from generator.check.request import Request
from generator.check.transitions import Change, RecordChange
from generator.findings import Code, Finding, Severity

Scope = Literal["request", "repository", "data", "history", "records", "tree", "approvals"]


class Problem(NamedTuple):
    pointer: str | None
    """JSON pointer of the offending value; None for the start of the file."""
    message: str


@dataclass(frozen=True)
class Context:
    """What a request rule sees: the request, the reference data and the derived facts.

    A frozen request (issued, its record kept in records/) is judged only by the rules that
    still apply after issuance; they see no derived facts, since the data the decision was
    made on may have changed since."""

    request: Request
    ref: Reference
    decided: Facts | None
    frozen: bool = False
    """Judged as frozen: only the rules that apply after issuance run."""
    record_kept: bool = False
    """Its record is kept in records/, or is being kept now (judged as issued now)."""
    record_problem: str | None = None
    """What is wrong with the kept record's file, if anything."""

    @property
    def data(self) -> dict[str, Any]:
        return self.request.data

    @property
    def facts(self) -> Facts:
        if self.decided is None:
            raise ValueError("a rule that needs derived facts ran on a frozen record")
        return self.decided


@dataclass(frozen=True)
class Entry:
    """What repository rules see of one request: its identity, links and their positions."""

    path: str
    id: str
    kind: str
    status: str
    supersedes: str | None
    superseded_by: str | None
    official_number: str | None
    positions: dict[str, Position]
    received: str | None = None
    """The day the request was received (requested_at), as YYYY-MM-DD."""
    leaves: str | None = None
    """The first day goods leave under it (departure date, or start of validity)."""
    issued_on: str | None = None
    locked: tuple[tuple[str, str], ...] = ()
    """Digests of the values an amendment may not change after departure, by JSON pointer
    (data/services.yaml, amendment_policy.locked_after_departure)."""

    def locate(self, pointer: str) -> Position:
        return self.positions.get(pointer) or self.positions.get("/id", (1, 1))


class RepositoryProblem(NamedTuple):
    entry: Entry
    pointer: str
    message: str


class DataProblem(NamedTuple):
    file: str
    pointer: str
    message: str


@dataclass(frozen=True)
class Rule:
    code: Code
    func: Callable[..., Iterable[Any]]
    scope: Scope
    after_issuance: bool = False
    """Whether the rule still judges a frozen request (issued, its record kept)."""
    when_sound: bool = False
    """Whether the rule speaks only once the file has no other error."""

    def finding(self, path: str, where: Position, message: str, pointer: str) -> Finding:
        return Finding(
            path, where[0], where[1], self.code.code, self.code.severity, message, pointer
        )


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    severity: Severity = Severity.ERROR,
    scope: Scope = "request",
    after_issuance: bool = False,
    when_sound: bool = False,
) -> Callable[[Callable[..., Iterable[Any]]], Callable[..., Iterable[Any]]]:
    """Register a rule function under ``code``; its docstring becomes its documentation."""

    def register(func: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
        if code in RULES:
            raise ValueError(f"rule code {code} is registered twice")
        doc = inspect.getdoc(func) or ""
        code_entry = Code(code, func.__name__, severity, scope, doc)
        RULES[code] = Rule(code_entry, func, scope, after_issuance, when_sound)
        return func

    return register


def rules_of(scope: Scope) -> list[Rule]:
    return [r for r in RULES.values() if r.scope == scope]


def run_request_rules(
    context: Context, document: Document, tolerant: bool = False
) -> list[Finding]:
    """The request rules' findings; ``tolerant`` (a draft that does not pass the schema)
    leaves out a rule that cannot run on what is there, instead of failing."""
    findings: list[Finding] = []
    waiting: list[Finding] = []
    for entry in rules_of("request"):
        if context.frozen and not entry.after_issuance:
            continue
        try:
            problems = list(entry.func(context))
        except Exception:
            if not tolerant:
                raise
            continue
        for pointer, message in problems:
            where = (1, 1) if pointer is None else document.locate(pointer)
            finding = entry.finding(document.path, where, message, pointer or "")
            (waiting if entry.when_sound else findings).append(finding)
    if not any(f.severity is Severity.ERROR for f in findings):
        findings += waiting
    return findings


def run_repository_rules(entries: list[Entry], reported: set[str]) -> list[Finding]:
    """Cross-request rules over every known entry; findings only for files in ``reported``."""
    findings = []
    for entry in rules_of("repository"):
        for problem in entry.func(entries):
            if problem.entry.path in reported:
                where = problem.entry.locate(problem.pointer)
                findings.append(
                    entry.finding(problem.entry.path, where, problem.message, problem.pointer)
                )
    return findings


def run_data_rules(documents: dict[str, Document]) -> list[Finding]:
    findings = []
    for entry in rules_of("data"):
        for file, pointer, message in entry.func(documents):
            document = documents[file]
            findings.append(
                entry.finding(document.path, document.locate(pointer), message, pointer)
            )
    return findings


def run_history_rules(changes: list[Change]) -> list[Finding]:
    """Rules on a branch's changes to the register, against its base branch."""
    findings = []
    for entry in rules_of("history"):
        for change in changes:
            for pointer, message in entry.func(change):
                document = change.head
                where = document.locate(pointer) if document and pointer is not None else (1, 1)
                findings.append(entry.finding(change.path, where, message, pointer or ""))
    return findings


def run_approval_rules(items: list[Any]) -> list[Finding]:
    """Rules on a pull request's decisions against its reviews on GitHub (each item a
    ``check.decisions.ChangeUnderReview``)."""
    findings = []
    for entry in rules_of("approvals"):
        for item in items:
            for pointer, message in entry.func(item):
                where = _decision_line(item.change.head, pointer)
                findings.append(entry.finding(item.change.path, where, message, pointer or ""))
    return findings


def _decision_line(document: Document | None, pointer: str | None) -> Position:
    """A section (``issuance:``, ``cancellation:``) is shown at its key's line; a value
    (``prepared_by``) at the value."""
    if document is None or pointer is None:
        return (1, 1)
    if isinstance(_value_at(document.data, pointer), dict | list):
        return document.locate_key(pointer)
    return document.locate(pointer)


def _value_at(data: Any, pointer: str) -> Any:
    for step in pointer.split("/")[1:]:
        data = data.get(step) if isinstance(data, dict) else None
    return data


def each_product(context: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each product line with its JSON pointer."""
    for index, product in enumerate(context.request.products):
        yield f"/products/{index}", product


def run_record_rules(changes: list[RecordChange]) -> list[Finding]:
    """Rules on a branch's changes to the frozen records, against its base branch."""
    findings = []
    for entry in rules_of("records"):
        for change in changes:
            for pointer, message in entry.func(change):
                findings.append(entry.finding(change.path, (1, 1), message, pointer or ""))
    return findings


def run_tree_rules(tracked: list[str]) -> list[Finding]:
    """Rules on the files git tracks in the repository (paths relative to the current folder)."""
    findings = []
    for entry in rules_of("tree"):
        for path in tracked:
            for pointer, message in entry.func(path):
                findings.append(entry.finding(path, (1, 1), message, pointer or ""))
    return findings
