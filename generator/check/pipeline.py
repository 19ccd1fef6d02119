"""The check pipeline: load → schema → decide → rules, for every request file, in parallel.

Reference data is loaded and checked once; each file is then checked on its own (in forked
worker processes for large registers) and cross-request rules run over all of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator.check import holiday_table, register_index
from generator.check.cache import CheckCache, settled_digests
from generator.check.decide import Facts, decide
from generator.check.discovery import discover, register_context
from generator.check.document import ITEM_WORDS, Document, Loaded
from generator.check.listing import Listing, context_roots
from generator.check.load import load_file
from generator.check.outcomes import CheckResult, FileOutcome
from generator.check.reference_data import (
    Reference,
    build_reference,
    data_paths,
    data_schemas,
    load_data_documents,
)
from generator.check.register_index import IndexUnavailable, RegisterIndex
from generator.check.request import Request
from generator.check.rules import (
    Context,
    Entry,
    run_data_rules,
    run_repository_rules,
    run_request_rules,
)
from generator.check.schema import load_schema, validate
from generator.check.transitions import PUBLISHED
from generator.errors import CertgenError
from generator.files import linked_folder
from generator.findings import Finding, Severity
from generator.fingerprints import canonical_json
from generator.project import Project
from generator.workers import collector_paused, forked_pool

PARALLEL_THRESHOLD = 400
CHUNK_SIZE = 250
ENTRY_POINTERS = ("/id", "/supersedes", "/superseded_by", "/issuance/official_number")


class RuleFailure(CertgenError):
    """A rule raised on a file: a bug in certgen, reported with exit code 3."""


class Checker:
    """Everything needed to check one request file; built once, shared by forked workers."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.last_kept: KeptRecord | None = None
        self.linked_folders: dict[Path, Path | None] = {}
        """Each records/<year> folder seen, and the link among its folders, if any."""
        holiday_table.use_cache(project.cache_dir / "holidays" if project.cache_outside else None)
        self.request_schema = load_schema(project.schema_dir / "request.schema.json")
        paths = data_paths(project.data_dir)
        missing = [str(p) for p in paths.values() if not p.is_file()]
        if missing:
            raise CertgenError(f"reference data missing: {', '.join(missing)}")
        displays = {name: os.path.relpath(path) for name, path in paths.items()}
        documents, self.data_findings = load_data_documents(
            paths, displays, data_schemas(project.schema_dir)
        )
        self.reference: Reference | None = None
        if len(documents) == len(paths):
            self.data_findings += run_data_rules(documents)
            if not any(f.severity is Severity.ERROR for f in self.data_findings):
                self.reference = build_reference(documents)
        self.schema_document = self.request_schema.document
        self.locked = self.reference.amendments.locked_after_departure if self.reference else ()

    def inspect(
        self, path: str | Path, display: str, as_issued_now: bool = False
    ) -> tuple[Document | None, Facts | None, list[Finding]]:
        """Load, validate and decide one file; rules run when schema and data are sound."""
        return self.inspect_loaded(load_file(path, display), display, as_issued_now)

    def inspect_loaded(
        self, loaded: Loaded, display: str, as_issued_now: bool = False
    ) -> tuple[Document | None, Facts | None, list[Finding]]:
        """Validate and decide a loaded file (from disk, or text not yet written).

        A frozen request (issued, its record kept) is judged only by the rules that apply
        after issuance, and gets no derived facts; ``as_issued_now`` judges it by every rule
        against today's data, as when a branch issues it."""
        if loaded.document is None:
            return None, None, loaded.findings
        document = loaded.document
        findings = validate(document, self.request_schema)
        if self.reference is None:
            return document, None, findings
        if findings and not _a_draft(document, findings):
            return document, None, findings  # wrong values: the rules wait until they are fixed
        if findings:
            facts, findings = self._partial(document, findings)
            return document, facts, sorted(findings, key=Finding.sort_key)
        request = Request(document)
        kept, problem = self.frozen_state(request)
        frozen = kept and not as_issued_now
        facts = None if frozen else decide(request, self.reference)
        try:
            # judged as issued now, its record is the one about to be kept (no R123)
            context = Context(
                request, self.reference, facts, frozen, kept or as_issued_now, problem
            )
            findings = run_request_rules(context, document)
        except Exception as error:  # a rule bug must not pass for a clean check
            raise RuleFailure(f"a rule failed on {display}: {error!r}") from error
        return document, facts, findings

    def _partial(
        self, document: Document, schema_findings: list[Finding]
    ) -> tuple[Facts | None, list[Finding]]:
        """While a request does not pass the schema yet (a draft with empty fields), its facts
        and findings: the schema's, and those of the rules that can run on what is there (a
        rule that cannot run without the empty fields is left out, and so is a finding under
        a field the schema reports, but a rule that names what an empty field needs speaks
        for it)."""
        assert self.reference is not None
        # an emptied field reads as left out: "statements:" is no statement, not a crash
        request = Request(replace(document, data=_without_empty_fields(document.data)))
        try:
            facts: Facts | None = decide(request, self.reference)
        except Exception:  # a field it needs is empty or malformed
            facts = None
        context = Context(request, self.reference, facts, False, False, None)
        rules = run_request_rules(context, document, tolerant=True)
        # an emptied list or section a rule says what to put in ("add
        # 'tw_aittecro_arrangement'"): the rule's words, not the schema's "is empty"
        named = {f.pointer for f in rules if _a_list_or_section(f.pointer)}
        kept = [f for f in schema_findings if f.pointer not in named]
        reported = [f.pointer for f in kept]
        own = [f for f in rules if not any(_within(f.pointer, p) for p in reported)]
        return facts, [*kept, *own]

    def is_frozen(self, request: Request) -> bool:
        """Whether ``request`` is issued (or cancelled, superseded) with its record kept."""
        return self.frozen_state(request)[0]

    def frozen_state(self, request: Request) -> tuple[bool, str | None]:
        """Whether an issued request's record is kept in records/, and what is wrong with
        that file if anything: it must be a regular file (never a link), canonical JSON, and
        the record of this request. The record read is kept in ``last_kept`` for whoever
        drafts the certificate next (read and parsed once a file)."""
        self.last_kept = None
        if request.data.get("status") not in PUBLISHED:
            return False, None
        path = self.project.frozen_record(request.id)
        try:
            status = os.lstat(path)
        except OSError:
            return False, None
        if not stat.S_ISREG(status.st_mode):
            shown = os.path.relpath(path)
            return True, f"{shown} is not a regular file (a link, or a folder): restore it from git"
        if path.parent not in self.linked_folders:  # one lstat walk a year folder, not a record
            self.linked_folders[path.parent] = linked_folder(path.parent, self.project.root)
        linked = self.linked_folders[path.parent]
        if linked is not None:
            return True, (
                f"{os.path.relpath(linked)} is a symbolic link: a record is read only from the "
                "repository's own records/ folders; replace the link with the folder from git"
            )
        self.last_kept = kept = KeptRecord.read(path, request.id)
        return True, kept.problem

    def dependencies(self, document: Document | None) -> tuple[str, ...]:
        """The files besides ``document`` that its outcome is made from."""
        if document is None or document.data.get("status") not in PUBLISHED:
            return ()
        request_id = document.data.get("id")
        if not isinstance(request_id, str):
            return ()
        return (str(self.project.frozen_record(request_id)),)

    def check_file(self, path: str, display: str) -> FileOutcome:
        document, _, findings = self.inspect(path, display)
        entry = entry_of(document, self.locked) if document else None
        return FileOutcome(findings, entry, self.dependencies(document))

    def with_originals_locked(self, entries: list[Entry]) -> list[Entry]:
        """``entries`` with the locked values (T410) of each certificate that an amendment
        supersedes but that does not name it yet (the amendment is not issued yet): only
        linked pairs carry them, and this one is linked from one side."""
        where = {entry.id: index for index, entry in enumerate(entries)}
        result = list(entries)
        for entry in entries:
            index = where.get(entry.supersedes or "")
            if index is None or result[index].superseded_by or result[index].locked:
                continue
            document = load_file(result[index].path, result[index].path).document
            if document is not None:
                values = locked_values(document.data, self.locked)
                result[index] = replace(result[index], locked=values)
        return result

    def index_file(self, path: str, display: str) -> Entry | None:
        document = load_file(path, display).document
        return entry_of(document, self.locked) if document else None


@dataclass(frozen=True)
class KeptRecord:
    """A frozen record file as read: its bytes, the record they hold, and what is wrong."""

    request_id: str
    content: bytes
    record: dict[str, Any] | None
    problem: str | None

    @classmethod
    def read(cls, path: Path, request_id: str) -> KeptRecord:
        content = path.read_bytes()
        try:
            record = json.loads(content)
        except ValueError:
            return cls.damaged(path, request_id, content, "is not JSON")
        if canonical_json(record) != content:
            return cls.damaged(
                path, request_id, content, "is not in canonical form (it was edited by hand)"
            )
        if not isinstance(record, dict) or record.get("id") != request_id:
            held = record.get("id") if isinstance(record, dict) else None
            what = f"holds the record of {held!r}, not of {request_id}"
            return cls.damaged(path, request_id, content, what)
        return cls(request_id, content, record, None)

    @classmethod
    def damaged(cls, path: Path, request_id: str, content: bytes, what: str) -> KeptRecord:
        """A record file that is not the record it should be (the path shown relative to
        the working folder, worked out only for such a file)."""
        problem = f"{os.path.relpath(path)} {what}: restore it from git"
        return cls(request_id, content, None, problem)


def _a_list_or_section(pointer: str) -> bool:
    """Whether ``pointer`` is a list (statements, documents, ...) or a section (attestations)
    of the request, rather than a single value."""
    last = pointer.rsplit("/", 1)[-1]
    return last in ITEM_WORDS or last == "attestations"


def _a_draft(document: Document, findings: list[Finding]) -> bool:
    """A request whose only schema problems are fields not filled in yet (missing, or empty:
    ``certgen new`` leaves them so), as opposed to values that are wrong."""
    if document.data.get("status") != "requested":
        return False  # a decision is judged whole
    return all(f.code == "S002" or _unfilled(document.data, f.pointer) for f in findings)


def _without_empty_fields(data: Any) -> Any:
    """``data`` without the fields left empty (None) in its mappings, at every depth: an
    emptied list (statements, documents, ...) is an empty list, an emptied section an empty
    mapping, any other field is left out; list items stay where they are (the findings'
    pointers count them)."""
    if isinstance(data, dict):
        return {
            k: []
            if v is None and k in ITEM_WORDS
            else {}
            if v is None
            else _without_empty_fields(v)
            for k, v in data.items()
            if v is not None or _a_list_or_section(f"/{k}")
        }
    if isinstance(data, list):
        return [_without_empty_fields(item) for item in data]
    return data


def _unfilled(data: Any, pointer: str) -> bool:
    for step in pointer.split("/")[1:]:
        if isinstance(data, dict):
            data = data.get(step.replace("~1", "/").replace("~0", "~"))
        elif isinstance(data, list) and step.isdigit() and int(step) < len(data):
            data = data[int(step)]
        else:
            return False
    return data is None or data == "" or data == [] or data == {}


def _within(pointer: str, reported: str) -> bool:
    """Whether ``pointer`` is ``reported`` or under it, or above it (a section the schema
    finds a problem in)."""
    if not reported or not pointer:
        return True
    return (
        pointer == reported
        or pointer.startswith(reported + "/")
        or reported.startswith(pointer + "/")
    )


def entry_of(document: Document, locked: tuple[str, ...] = ()) -> Entry | None:
    """What cross-request rules need of a document, if it has an ID at all; ``locked`` are
    the pointer patterns of what an amendment may not change after departure."""
    data = document.data
    if not isinstance(data.get("id"), str):
        return None
    issuance = data.get("issuance")
    issuance = issuance if isinstance(issuance, dict) else {}
    # only an amendment and the certificate it supersedes are compared (T410)
    linked = bool(data.get("supersedes") or data.get("superseded_by"))
    values = locked_values(data, locked) if linked else ()
    pointers = (
        [*ENTRY_POINTERS, *(p for p, _ in values)] if data.get("supersedes") else ENTRY_POINTERS
    )
    return Entry(
        path=document.path,
        id=data["id"],
        kind=str(data.get("kind")),
        status=str(data.get("status")),
        supersedes=_text(data.get("supersedes")),
        superseded_by=_text(data.get("superseded_by")),
        official_number=_text(issuance.get("official_number")),
        positions={p: document.positions[p] for p in pointers if p in document.positions},
        received=_day(data.get("requested_at")),
        leaves=_day(
            _dig(data, "transport", "departure_date") or _dig(data, "time_frame", "valid_from")
        ),
        issued_on=_day(issuance.get("issued_on")),
        locked=values,
    )


def locked_values(data: dict[str, Any], patterns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """A digest of each value the patterns reach (``*`` for every item of a list)."""
    found: list[tuple[str, str]] = []
    for pattern in patterns:
        for pointer, value in _reach(data, pattern.strip("/").split("/"), ""):
            digest = hashlib.sha256(canonical_json(value)).hexdigest()[:16]
            found.append((pointer, digest))
    return tuple(found)


def _reach(value: Any, steps: list[str], at: str) -> Iterator[tuple[str, Any]]:
    if not steps:
        yield at, value
        return
    step, rest = steps[0], steps[1:]
    if step == "*" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _reach(item, rest, f"{at}/{index}")
    elif isinstance(value, dict) and step in value:
        yield from _reach(value[step], rest, f"{at}/{step}")


def _dig(data: dict[str, Any], section: str, key: str) -> Any:
    part = data.get(section)
    return part.get(key) if isinstance(part, dict) else None


def _day(value: object) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


_CHECKER: Checker | None = None
_DIGESTS = False


def _work(chunk: list[tuple[str, str, bool]]) -> list[FileOutcome]:
    assert _CHECKER is not None
    outcomes = []
    for path, display, report in chunk:
        started = time.time_ns()
        if report:
            outcome = _CHECKER.check_file(path, display)
        else:
            outcome = FileOutcome([], _CHECKER.index_file(path, display))
        if _DIGESTS:
            paths = (path, *outcome.depends_on)
            outcome.contents = settled_digests(paths, started, register_index.RACY_SECONDS)
        outcomes.append(outcome)
    return outcomes


@collector_paused()  # a large register's outcomes: many objects, none in a cycle
def run_check(
    checker: Checker,
    arguments: Sequence[str],
    jobs: int | None = None,
    cache: CheckCache | None = None,
    index_folder: Path | None = None,
    listings: dict[str, Listing] | None = None,
) -> CheckResult:
    """Check the files named by ``arguments``; with a cache, unchanged files are not re-read.

    The other files of the registers the files belong to are what cross-request rules
    compare them with: with ``index_folder``, they come from the register index kept there
    (read again only where they changed; ``listings`` are the registers' listings if they
    were started already, by register), else every one is read."""
    found = discover(arguments)
    targets = found.files
    jobs = jobs or os.cpu_count() or 1
    roots = context_roots(targets, arguments)
    indexes = _open_indexes(checker, index_folder, roots) if index_folder and roots else None
    context = [] if indexes is not None else register_context(targets, arguments)
    work = [(p, d, True) for p, d in targets] + [(p, d, False) for p, d in context]
    known = cache.lookup(work) if cache else {}
    fresh = [item for item in work if item[1] not in known]
    for item, outcome in zip(fresh, _run(checker, fresh, jobs, cache is not None), strict=True):
        known[item[1]] = outcome
        if cache:
            cache.store(item, outcome)
    result = CheckResult([*checker.data_findings, *found.findings], len(targets))
    for _, display, _ in work:
        _collect(result, known[display])
    if indexes is not None:
        neighbours = _neighbours(checker, indexes, result.entries, targets, jobs, listings or {})
        if neighbours is None:  # an index failed on the way: read the register instead
            return run_check(checker, arguments, jobs, cache)
        result.entries += neighbours
    if checker.reference is not None:
        result.entries = checker.with_originals_locked(result.entries)
        result.findings += run_repository_rules(result.entries, {d for _, d in targets})
    result.findings.sort(key=Finding.sort_key)
    return result


def _open_indexes(checker: Checker, folder: Path, roots: list[str]) -> list[RegisterIndex] | None:
    """The index of each register, or None when one cannot be opened here."""
    indexes: list[RegisterIndex] = []
    try:
        for root in roots:
            indexes.append(RegisterIndex.open_for(folder, root, checker.locked))
    except IndexUnavailable:
        for index in indexes:
            index.close()
        return None
    return indexes


def _neighbours(
    checker: Checker,
    indexes: list[RegisterIndex],
    entries: list[Entry],
    targets: list[tuple[str, str]],
    jobs: int,
    listings: dict[str, Listing],
) -> list[Entry] | None:
    """The entries of the registers' other files that the targets' entries are compared
    with, from the indexes (brought up to date first); None when an index failed."""

    def read(files: list[tuple[str, str]]) -> list[Entry | None]:
        return index_entries(checker, files, jobs)

    skip = {os.path.abspath(path) for path, _ in targets}
    found: list[Entry] = []
    try:
        for index in indexes:
            found += index.neighbours(read, entries, skip, listings.get(index.root))
    except IndexUnavailable:
        return None
    finally:
        for index in indexes:
            index.close()
    return found


def index_entries(checker: Checker, files: list[tuple[str, str]], jobs: int) -> list[Entry | None]:
    """What cross-request rules need of each file (path, path shown), read in parallel."""
    return [outcome.entry for outcome in _run(checker, [(*f, False) for f in files], jobs)]


def _collect(result: CheckResult, outcome: FileOutcome) -> None:
    result.findings.extend(outcome.findings)
    result.outcomes.append(outcome)
    if outcome.entry is not None:
        result.entries.append(outcome.entry)


def _run(
    checker: Checker, work: list[tuple[str, str, bool]], jobs: int, digests: bool = False
) -> list[FileOutcome]:
    """The outcomes of ``work``; with ``digests``, each with its files' contents' digests
    (for the check cache)."""
    global _CHECKER, _DIGESTS
    _CHECKER, _DIGESTS = checker, digests
    if jobs < 2 or len(work) < PARALLEL_THRESHOLD:
        return _work(work)
    chunks = [work[i : i + CHUNK_SIZE] for i in range(0, len(work), CHUNK_SIZE)]
    with forked_pool(jobs) as pool, collector_paused():
        return [outcome for outcomes in pool.map(_work, chunks) for outcome in outcomes]
