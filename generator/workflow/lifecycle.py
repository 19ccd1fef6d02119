"""The record's lifecycle in the files: scaffold a request, issue it, cancel it, amend it.

Files are edited with ruamel.yaml's round-trip mode, so comments, key order and quoting stay
as the author wrote them. Every command checks what it is about to write and refuses, with
the reason, rather than leave a record that breaks a rule.
"""

from __future__ import annotations

import copy
import io
import os
import re
import stat
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from generator.check.cache import CheckCache, environment_of
from generator.check.decide import Facts
from generator.check.load import load_bytes, refused_file
from generator.check.outcomes import CheckResult
from generator.check.pipeline import Checker, run_check
from generator.check.reference_data import Reference
from generator.check.request import Request
from generator.check.transitions import PUBLISHED
from generator.check.words import CANCEL_REASONS
from generator.errors import Refused, UsageError
from generator.files import linked_folder, write_atomically
from generator.findings import Finding, Severity
from generator.project import Project
from generator.record.public import issued_record
from generator.workflow.git_history import git, require_ref

EMPTY_ITEM = re.compile(r"^( *-) $", re.MULTILINE)
MODELINE = "# yaml-language-server: $schema=../../schemas/request.schema.json\n"
_ID = re.compile(r"^(IC|EC)-(\d{4})-(\d{4,6})$")


def yaml_editor() -> YAML:
    editor = YAML()
    editor.preserve_quotes = True
    editor.width = 4096
    editor.indent(mapping=2, sequence=4, offset=2)
    return editor


@dataclass
class Lifecycle:
    project: Project
    checker: Checker
    before: set[tuple[str, str, str]] | None = None
    """The register's errors before the command (``remember_errors``)."""
    check_cache: CheckCache | None = None
    """The commands' check cache, once a whole check has opened it."""

    @classmethod
    def open(cls, project: Project) -> Lifecycle:
        checker = Checker(project)
        if checker.reference is None:
            raise Refused("the reference data has errors; run certgen check", checker.data_findings)
        return cls(project, checker)

    @property
    def ref(self) -> Reference:
        assert self.checker.reference is not None
        return self.checker.reference

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.ref.calendar.timezone)).date()

    def now(self) -> str:
        return datetime.now(ZoneInfo(self.ref.calendar.timezone)).replace(microsecond=0).isoformat()

    # --- IDs -------------------------------------------------------------------------------

    def next_id(self, kind: str, year: int, base: str | None) -> str:
        """The next free ID of ``kind`` in ``year``, looking at this tree and the base branch."""
        prefix = "IC" if kind == "import" else "EC"
        if base is not None:
            require_ref(self.project.root, base)
        used = [0]
        for name in self._names(year, base):
            match = _ID.match(name)
            if match and match[1] == prefix and int(match[2]) == year:
                used.append(int(match[3]))
        return f"{prefix}-{year}-{max(used) + 1:04d}"

    def _names(self, year: int, base: str | None) -> list[str]:
        folder = self.project.requests_dir / str(year)
        names = [p.stem for p in folder.glob("*.y*ml")] if folder.is_dir() else []
        if base:
            listing = git(
                self.project.root,
                "ls-tree",
                "-r",
                "--name-only",
                base,
                "--",
                str(folder.relative_to(_top(self.project))),
            )
            names += [Path(line).stem for line in listing.splitlines()]
        return names

    # --- reading and writing ------------------------------------------------------------------

    def _decision_day(self, on: date | None, what: str) -> date:
        """``on`` (default today), refused when it is after today: a decision is recorded
        when it is made, never ahead (a mistyped year would publish a future date)."""
        today = self.today()
        if on is not None and on > today:
            raise UsageError(
                f"--on {on} is after today ({today}): the {what} date is the day "
                "the decision was made; give today's date or an earlier one"
            )
        return on or today

    def require_regular(self, path: Path) -> None:
        """Refuse a link, FIFO, socket or device (or a file under a linked folder) before it
        is read or written: a link could lead outside the repository, a FIFO would block."""
        try:
            mode = os.lstat(path).st_mode
        except OSError as error:
            raise UsageError(f"{path}: {error.strerror or error}") from None
        if not stat.S_ISREG(mode):
            raise UsageError(f"{path}: {refused_file(str(path), mode).message}")
        self.require_no_linked_folder(path)

    def require_no_linked_folder(self, path: Path) -> None:
        """Refuse a path whose folders, up to the repository's, include a link."""
        where = Path(os.path.abspath(path))
        top = self.project.root if self.project.root in where.parents else Path(where.anchor)
        folder = linked_folder(where.parent, top)
        if folder is not None:
            raise UsageError(f"{path}: its folder {folder} is a symbolic link; {_NO_LINKS}")

    def read(self, path: Path) -> CommentedMap:
        self.require_regular(path)
        try:
            data = yaml_editor().load(path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise UsageError(f"{path}: cannot read the request ({error})") from error
        if not isinstance(data, CommentedMap):
            raise Refused(f"{path}: not a request (run certgen check {path})")
        return data

    def render(self, data: CommentedMap) -> str:
        buffer = io.StringIO()
        yaml_editor().dump(data, buffer)
        text = EMPTY_ITEM.sub(r"\1", buffer.getvalue())  # ruamel writes "- " for an empty item
        return text if text.startswith(MODELINE) else MODELINE + text

    def errors_of(self, text: str, display: str, as_issued_now: bool = False) -> list[Finding]:
        """The error findings ``certgen check`` would give a file holding ``text`` (judged as
        issued now, as ``issue`` writes it)."""
        return self._inspect_text(text, display, as_issued_now)[1]

    def _inspect_text(
        self, text: str, display: str, as_issued_now: bool = False
    ) -> tuple[Facts | None, list[Finding]]:
        """The derived facts of ``text`` (None when it does not pass the schema) and its
        error findings, without the cross-request rules (certgen check runs those)."""
        loaded = load_bytes(text.encode("utf-8"), display)
        _, facts, findings = self.checker.inspect_loaded(loaded, display, as_issued_now)
        return facts, [f for f in findings if f.severity is Severity.ERROR]

    def write_checked(
        self, path: Path, data: CommentedMap, display: str, as_issued_now: bool = False
    ) -> str:
        """Write ``data`` to ``path`` only if it gives no error finding."""
        text = self.render(data)
        errors = self.errors_of(text, display, as_issued_now)
        if errors:
            raise Refused(f"{display} would not pass certgen check; nothing was written", errors)
        path.write_text(text, "utf-8")
        return text

    # --- the reviewer's decisions -----------------------------------------------------------------

    def reviewer(self, handle: str, data: CommentedMap, display: str) -> str:
        """``handle``, when data/certifier.yaml lists them as a reviewer and they did not
        prepare the request (four eyes)."""
        staff = self.ref.certifier.staff
        member = staff.get(handle)
        if member is None or "reviewer" not in member.roles:
            listed = sorted(h for h, m in staff.items() if "reviewer" in m.roles)
            raise Refused(
                f"{_at(display, data, 'status')}: {handle} is not a reviewer in "
                f"data/certifier.yaml and cannot decide on this request; reviewers: "
                f"{', '.join(listed)}"
            )
        preparer = str(data.get("prepared_by", ""))
        if preparer.casefold() == handle.casefold():
            others = sorted(
                h for h, m in staff.items() if "reviewer" in m.roles and h.casefold() != preparer
            )
            raise Refused(
                f"{_at(display, data, 'prepared_by')}: {handle} prepared this request and "
                f"cannot also decide on it (four eyes); ask another reviewer: {', '.join(others)}"
            )
        return handle

    def _read_in_status(self, path: Path, wanted: str, action: str) -> tuple[str, CommentedMap]:
        """The file's display path and content, refused unless its status is ``wanted``."""
        display = str(path)
        data = self.read(path)
        status = data.get("status")
        if status != wanted:
            what = {"requested": "a request", "issued": "an issued certificate"}[wanted]
            raise Refused(
                f"{_at(display, data, 'status')}: its status is {status}; only {what} can be "
                f"{action}"
            )
        return display, data

    def issue(self, path: Path, by: str, number: str | None, on: date | None) -> str:
        display, data = self._read_in_status(path, "requested", "issued")
        self.reviewer(by, data, display)
        self.remember_errors()
        facts, current = self._inspect_text(path.read_text("utf-8"), display)
        if current or facts is None:
            raise Refused(f"{display} does not pass certgen check yet; fix it first", current)
        document_type = facts.document_type
        issuance = CommentedMap(reviewer=by, issued_on=self._decision_day(on, "issue"))
        if document_type.number_required and not number:
            raise Refused(
                f"a {document_type.title} is issued in {document_type.system}: give its "
                f"number with --number (for example {document_type.number_example})"
            )
        if number and document_type.number_pattern is None:
            raise Refused(f"a {document_type.title} is numbered by its request ID; omit --number")
        if number:
            issuance["official_number"] = number
        data["status"] = "issued"
        _insert_after(data, "issuance", issuance, before=("supersedes", "superseded_by"))
        self.require_no_linked_folder(self.project.frozen_record(str(data["id"])))
        originals = {path: path.read_bytes()}
        replaced = self._replaced(data, display)  # an amendment: the record it supersedes
        if replaced is not None:
            self.reviewer(by, replaced[1], str(replaced[0]))  # nor who prepared the original
        self.write_checked(path, data, display, as_issued_now=True)
        try:
            record = self.freeze(path)
        except Refused:  # a record is kept already under this ID: nothing is issued
            path.write_bytes(originals[path])
            raise
        if replaced is not None:
            old_path, old = replaced
            originals[old_path] = old_path.read_bytes()
            old["status"] = "superseded"
            old["superseded_by"] = str(data["id"])
            old_path.write_text(self.render(old), "utf-8")
        across = self.register_errors(*originals)
        if across:  # another request holds the number, for one: nothing is issued
            for written, original in originals.items():
                written.write_bytes(original)
            record.unlink()
            raise Refused(f"{display} would not pass certgen check; nothing was written", across)
        return str(data["id"])

    def _replaced(self, data: CommentedMap, display: str) -> tuple[Path, CommentedMap] | None:
        """For an amendment (``supersedes``), the issued record it replaces and its path."""
        old_id = data.get("supersedes")
        if not old_id:
            return None
        old_path = self.project.requests_dir / str(old_id)[3:7] / f"{old_id}.yaml"
        if not old_path.is_file():
            raise Refused(f"{_at(display, data, 'supersedes')}: no request {old_id} exists")
        old = self.read(old_path)
        if old.get("status") != "issued":
            raise Refused(
                f"{_at(display, data, 'supersedes')}: {old_id} is {old.get('status')}; only an "
                "issued certificate can be superseded"
            )
        return old_path, old

    def whole_check(self) -> CheckResult:
        """The check of the whole register; files unchanged since an earlier command come
        from the commands' check cache (apart from the build's, whose outcomes also carry
        drafted certificates), when the cache folder is outside the repository."""
        if self.check_cache is None and self.project.cache_outside:
            folder = self.project.cache_dir / "check-commands"
            self.check_cache = CheckCache(folder, environment_of(self.project))
        result = run_check(self.checker, [str(self.project.requests_dir)], cache=self.check_cache)
        if self.check_cache is not None:
            self.check_cache.save()
        return result

    def register_errors(self, *paths: Path) -> list[Finding]:
        """The errors the whole register's check gives ``paths`` (cross-request rules such as
        a unique official number included), located as the paths were given, and any error
        another file did not have before this command (``self.before``)."""
        result = self.whole_check()
        shown = {os.path.abspath(path): str(path) for path in paths}
        found = []
        for finding in result.findings:
            if finding.severity is not Severity.ERROR:
                continue
            where = os.path.abspath(finding.path)
            if where in shown:
                found.append(replace(finding, path=shown[where]))
            elif self.before is not None and _key(finding) not in self.before:
                found.append(replace(finding, path=os.path.relpath(finding.path)))
        return found

    def remember_errors(self) -> None:
        """Note the register's errors now, so that a command writes nothing that adds one to
        another file (two amendments of one certificate: issuing one breaks the other)."""
        result = self.whole_check()
        self.before = {_key(f) for f in result.findings if f.severity is Severity.ERROR}

    def freeze(self, path: Path) -> Path:
        """Keep the record of an issued request as it is today in records/; refused when the
        request does not pass the check, or when its record is kept already."""
        display = str(path)
        data = self.read(path)
        if data.get("status") not in PUBLISHED:
            raise Refused(
                f"{_at(display, data, 'status')}: its status is {data.get('status')}; only an "
                "issued certificate has a record to freeze"
            )
        target = self.project.frozen_record(str(data["id"]))
        self.require_no_linked_folder(target)
        if target.exists() or target.is_symlink():
            raise Refused(f"{os.path.relpath(target)} exists: an issued record is never replaced")
        loaded = load_bytes(path.read_bytes(), display)
        document, facts, findings = self.checker.inspect_loaded(loaded, display, as_issued_now=True)
        errors = [f for f in findings if f.severity is Severity.ERROR]
        if errors or document is None or facts is None:
            raise Refused(f"{display} does not pass certgen check; fix it first", errors)
        site_url = self.ref.certifier.website
        schema = self.checker.schema_document
        write_atomically(
            target, issued_record(Request(document), facts, self.ref, schema, site_url)
        )
        return target

    def cancel(self, path: Path, by: str, reason: str, note: str | None, on: date | None) -> None:
        display, data = self._read_in_status(path, "issued", "cancelled")
        if reason not in CANCEL_REASONS:
            raise UsageError(f"reason must be one of: {', '.join(CANCEL_REASONS)}")
        self.reviewer(by, data, display)
        if reason == "other" and not note:
            raise UsageError(
                "--reason other needs a --note: the register shows it as the reason, and "
                "'cancelled: other' tells a verifier nothing"
            )
        self.remember_errors()
        cancellation = CommentedMap(
            cancelled_on=self._decision_day(on, "cancellation"), cancelled_by=by, reason=reason
        )
        if note:
            cancellation["note"] = note
        data["status"] = "cancelled"
        _insert_after(data, "cancellation", cancellation, before=("supersedes", "superseded_by"))
        original = path.read_bytes()
        self.write_checked(path, data, display)
        across = self.register_errors(path)
        if across:
            path.write_bytes(original)
            raise Refused(f"{display} would not pass certgen check; nothing was written", across)

    def amend(self, path: Path, by: str, base: str | None) -> Path:
        """Create the request that supersedes the issued one at ``path`` (issuing it marks the
        old one superseded)."""
        _, old = self._read_in_status(path, "issued", "amended")
        self.remember_errors()
        year = self.today().year
        new_id = self.next_id(str(old["kind"]), year, base)
        new = copy.deepcopy(old)
        new["id"] = new_id
        new["prepared_by"] = by
        new["requested_at"] = self.now()
        new["status"] = "requested"
        for field in ("issuance", "cancellation", "superseded_by"):
            new.pop(field, None)
        new["supersedes"] = str(old["id"])
        target = self.project.requests_dir / str(year) / f"{new_id}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        shown = os.path.relpath(target)
        self.write_checked(target, new, shown)
        across = self.register_errors(target)
        if across:
            target.unlink()
            raise Refused(f"{shown} would not pass certgen check; nothing was written", across)
        # the old record is marked superseded when the amendment is issued (certgen issue)
        return target


_NO_LINKS = "certgen never writes through a link: use the folder itself"


def _key(finding: Finding) -> tuple[str, str, str]:
    return (os.path.abspath(finding.path), finding.code, finding.pointer)


def _insert_after(data: CommentedMap, key: str, value: Any, before: tuple[str, ...]) -> None:
    """Put ``key`` before the first of ``before`` present, else at the end."""
    data.pop(key, None)
    positions = [list(data).index(k) for k in before if k in data]
    if positions:
        data.insert(min(positions), key, value)
    else:
        data[key] = value


def _top(project: Project) -> Path:
    return Path(git(project.root, "rev-parse", "--show-toplevel").strip())


def default_base(project: Project) -> str | None:
    """The base branch to look at for IDs: origin/main, else main, else none (not in git)."""
    for ref in ("origin/main", "main"):
        try:
            git(project.root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except UsageError:
            continue
        return ref
    return None


def scaffold(
    lifecycle: Lifecycle,
    kind: str,
    exporter_id: str,
    by: str,
    options: dict[str, Any],
    base: str | None,
) -> Path:
    """Write a new request with the next free ID and everything known filled in."""
    ref = lifecycle.ref
    exporter = ref.operations.get(exporter_id)
    if exporter is None:
        raise Refused(f"operation {exporter_id} is not in data/operations.yaml")
    year = lifecycle.today().year
    request_id = lifecycle.next_id(kind, year, base)
    item = exporter.items[0] if exporter.items else None
    data = CommentedMap()
    data["id"] = request_id
    data["kind"] = kind
    if kind == "import":
        data["mode"] = options.get("mode") or "single_shipment"
    data["prepared_by"] = by
    data["requested_at"] = lifecycle.now()
    data["service_level"] = options.get("service_level") or "standard"
    data["status"] = "requested"
    _fill_parties(data, kind, exporter, options, ref)
    product = _product(item, exporter.country, kind)
    if kind == "export":  # a destination that sets a minimum organic content asks for it
        terms = ref.market_for(options["destination"]).terms_on(lifecycle.today())
        if terms is not None and terms.min_organic_percent is not None:
            product.insert(list(product).index("claim") + 1, "organic_percent", None)
    if len(exporter.items) > 1:
        names = "; ".join(i.name_as_labeled for i in exporter.items)
        product.yaml_add_eol_comment(f"certified items: {names}", "name_as_labeled")
    data["products"] = CommentedSeq([product])
    _fill_route(data, kind, exporter.country, options)
    _fill_declarations(data, kind, item.category if item else None, options, ref)
    target = lifecycle.project.requests_dir / str(year) / f"{request_id}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(lifecycle.render(data), "utf-8")
    return target


def _fill_parties(
    data: CommentedMap, kind: str, exporter: Any, options: dict[str, Any], ref: Reference
) -> None:
    data["exporter"] = CommentedMap(operation_id=exporter.operation_id, name=exporter.name)
    if kind == "export":
        market = ref.market_for(options["destination"])
        data.insert(list(data).index("exporter"), "document_type", market.document_type)
        data["importer"] = CommentedMap(name=None, address=None, country=options["destination"])
        if market.importer_control_body_required:  # Great Britain: the importer's UK body
            data["importer"]["registration_id"] = None
            data["importer"]["control_body"] = CommentedMap(name=None, code=None)
        return
    importer = ref.operations.get(options.get("importer") or "")
    data["importer"] = CommentedMap(
        operation_id=importer.operation_id if importer else options.get("importer"),
        name=importer.name if importer else None,
    )


def _product(item: Any, country: str, kind: str) -> CommentedMap:
    product = CommentedMap()
    product["name_as_labeled"] = item.name_as_labeled if item else None
    product["category"] = item.category if item else None
    product["claim"] = "organic"
    product["tariff_code"] = None
    product["net_weight_kg"] = None
    product["lots"] = CommentedSeq([None])
    product["produced_in"] = country
    if kind == "export":
        product["processed_in"] = "US"
    return product


def _fill_route(data: CommentedMap, kind: str, country: str, options: dict[str, Any]) -> None:
    if kind == "import":
        data["destination"] = CommentedMap(country="US", city=None, state=None)
        transport = CommentedMap(
            mode=options.get("transport") or "truck", country_of_export=country
        )
        if data["mode"] == "time_frame":
            data["transport"] = transport
            data["time_frame"] = CommentedMap(valid_from=None, valid_to=None)
        else:
            transport["departure_date"] = None
            data["transport"] = transport
        return
    data["destination"] = CommentedMap(country=options["destination"])
    data["transport"] = CommentedMap(
        mode=options.get("transport") or "ocean", country_of_export="US", departure_date=None
    )


def _fill_declarations(
    data: CommentedMap, kind: str, category: str | None, options: dict[str, Any], ref: Reference
) -> None:
    """Statements and attestations the destination asks for; attestations left empty for the
    exporter to give (true or false), never assumed."""
    market = ref.market_for(options["destination"]) if kind == "export" else None
    terms = market.terms_on(date.fromisoformat(data["requested_at"][:10])) if market else None
    categories = {category} if category else set()
    if market is not None:
        data["statements"] = CommentedSeq(
            s.id
            for s in (terms.statements if terms else ())
            if not categories or any(s.applies_to(c) for c in categories)
        )
    attestations = CommentedMap()
    for attestation in ref.records.attestations.values():
        if attestation.always_required:
            attestations[attestation.id] = None
    for requirement in terms.attestations if terms else ():
        if not categories or any(requirement.applies_to(c) for c in categories):
            attestations[requirement.id] = None
    data["attestations"] = attestations
    documents = CommentedSeq()
    for kind_id in _required_documents(ref, data["transport"]["mode"], category):
        documents.append(CommentedMap(type=kind_id, reference=None, identifies_organic=None))
    data["documents"] = documents


def _at(display: str, data: CommentedMap, key: str) -> str:
    """``path:line:column`` of ``key``'s value in a round-trip document (the path alone when
    the key is missing)."""
    if key not in data:
        return display
    line, column = data.lc.value(key)
    return f"{display}:{line + 1}:{column + 1}"


def _required_documents(ref: Reference, transport_mode: str, category: str | None) -> list[str]:
    """The supporting records data/records.yaml asks for: the always-required ones, the first
    transport document accepted for the mode, and the phytosanitary certificate for fresh
    plant products."""
    records = ref.records
    kinds = list(records.always_required)
    kinds += records.transport_documents.get(transport_mode, ())[:1]
    if category in records.phytosanitary_categories:
        kinds.append("phytosanitary_certificate")
    return list(dict.fromkeys(kinds))
