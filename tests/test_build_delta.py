"""A build after a few request files changed (generator/website/build_delta.py): whatever the
change, it ends as a build from nothing would (the same findings when it refuses, the same
output folder when it does not); a change that publishes nothing new is checked from the
changed files and their neighbours alone, and any other is left to a full build."""

from __future__ import annotations

import gc
import json
import marshal
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import KeySet

from benchmarks.synthetic import add_issued
from benchmarks.synthetic import make_project as make_synthetic
from generator.check import register_index
from generator.check.register_index import RegisterIndex
from generator.check.rules import Entry
from generator.findings import Severity
from generator.fingerprints import canonical_json, code_hash, environment_hash
from generator.project import Project
from generator.record.drafting import DraftingChecker
from generator.website import build_delta, build_stamp
from generator.website.build import BuildReport, build
from generator.website.downloads import FEED_ENTRIES
from generator.website.inputs import BuildRefused
from generator.website.published_site import PublishedSite
from generator.website.register import LATEST_ROWS, lookup_shard
from generator.website.register_view import NEWEST_KEPT
from tests.helpers import holder_pdf, make_project, run
from tests.throwaway_keys import publish_throwaway_key

REQUESTS = Path("requests") / "2026"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example repository, its files trusted as listed at once (the racy window is
    tested on its own), built once."""
    monkeypatch.setattr(register_index, "RACY_SECONDS", -1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("CERTGEN_CACHE_DIR", str(tmp_path / "cache"))
    root = make_project(tmp_path / "project", with_requests=True, with_site=True)
    _build(root)
    return root


def _build(project: Path) -> BuildReport:
    return build(Project(project), project / "build" / "site", make_pdf=False)


def _outcome(project: Path) -> tuple[str, object]:
    """What a build gives: its errors when refused (a refusal after a few changes lists the
    findings of the files it checked; the errors are all a full build's), else its output
    folder."""
    try:
        _build(project)
    except BuildRefused as refused:
        errors = [f for f in refused.result.findings if f.severity is Severity.ERROR]
        shown = str(project)
        return "refused", sorted(
            (f.path.replace(shown, ""), f.line, f.column, f.code, f.message.replace(shown, ""))
            for f in errors
        )
    return "built", _tree(project / "build" / "site")


def _from_nothing(project: Path) -> tuple[str, object]:
    """What a build from nothing gives of the repository as it is now: a copy without the
    output folder, with a cache of its own (the cache is kept by the repository's path)."""
    fresh = project.parent / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(project, fresh, ignore=shutil.ignore_patterns("build"))
    return _outcome(fresh)


def _edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        path = project / REQUESTS / name
        text = path.read_text("utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), "utf-8")

    return change


def _copy(source: str, target: str, *replacements: tuple[str, str]) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        text = (project / REQUESTS / f"{source}.yaml").read_text("utf-8")
        for old, new in replacements:
            text = text.replace(old, new)
        (project / REQUESTS / f"{target}.yaml").write_text(text, "utf-8")

    return change


def _rewrite_in_place(name: str, old: bytes, new: bytes) -> Callable[[Path], None]:
    """Change a file's bytes keeping its size and modification time: its change time tells."""

    def change(project: Path) -> None:
        path = project / REQUESTS / name
        assert len(old) == len(new) and old in path.read_bytes()
        status = path.stat()
        path.write_bytes(path.read_bytes().replace(old, new, 1))
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))

    return change


def _remove(name: str) -> Callable[[Path], None]:
    return lambda project: (project / REQUESTS / name).unlink()


RECORDS = Path("records") / "2026"


def _issue(name: str, *options: str) -> Callable[[Path], None]:
    """``certgen issue`` on a draft (it writes the request and its frozen record)."""

    def change(project: Path) -> None:
        arguments = ["issue", str(REQUESTS / name), "--by", "asmith", *options]
        code, _, err = run(arguments, project)
        assert code == 0, err

    return change


def _record(name: str, content: bytes | None) -> Callable[[Path], None]:
    """Write a file into records/2026/, or remove it (None)."""

    def change(project: Path) -> None:
        path = project / RECORDS / name
        if content is None:
            path.unlink()
        else:
            path.write_bytes(content)

    return change


def _record_edited(name: str, old: bytes, new: bytes) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        path = project / RECORDS / name
        assert old in path.read_bytes()
        path.write_bytes(path.read_bytes().replace(old, new, 1))

    return change


PUBLISHING_NOTHING: dict[str, Callable[[Path], None]] = {
    "a draft rewritten in place": _rewrite_in_place(
        "EC-2026-0006.yaml", b"city: Taipei", b"city: Taipeh"
    ),
    "a draft edited": _edit("EC-2026-0006.yaml", "city: Taipei", "city: Taichung"),
    "a draft added": _copy("EC-2026-0006", "EC-2026-0013", ("EC-2026-0006", "EC-2026-0013")),
    "a draft removed": _remove("EC-2026-0006.yaml"),
    "an issued request's comment": _edit(
        "EC-2026-0001.yaml", "status: issued", "status: issued # ok"
    ),
    "an amendment's comment": _edit("IC-2026-0006.yaml", "status: issued", "status: issued  # ok"),
    "an issued request edited": _edit("EC-2026-0001.yaml", "COI.EU.US.2026.0001234", "COI.X"),
    "a record no request reads": _record("EC-2026-0099.json", b"{}\n"),
}
"""Changes that publish nothing new: checked from the changed files and their neighbours."""

REFUSED: dict[str, Callable[[Path], None]] = {
    "an ID taken again": _copy("EC-2026-0006", "EC-2026-0013"),
    "an official number taken again": _edit(
        "EC-2026-0003.yaml", "issued_on:", "official_number: COI.EU.US.2026.0001234\n  issued_on:"
    ),
    "a draft made wrong": _edit("EC-2026-0006.yaml", "kind: export", "kind: exports"),
    "a frozen record removed": _record("EC-2026-0001.json", None),
}
"""Changes a full build refuses: the build after them must refuse with the same findings,
those of unchanged files included."""

_CANCELLED = (
    "status: cancelled\ncancellation:\n  cancelled_on: 2026-02-20\n  cancelled_by: asmith\n"
    "  reason: shipment_not_made"
)

PUBLISHING: dict[str, Callable[[Path], None]] = {
    "a certificate cancelled": _edit("EC-2026-0001.yaml", "status: issued", _CANCELLED),
    "certificates cancelled in two years": lambda project: [
        _edit(name, "status: issued", _CANCELLED.replace("2026-02-20", day))(project)
        for name, day in (
            ("../2025/IC-2025-0014.yaml", "2025-12-01"),
            ("IC-2026-0002.yaml", "2026-02-20"),
        )
    ],
    "a cancellation's public note": _edit(
        "IC-2026-0007.yaml", "the fruit was sold locally", "the fruit was sold at home"
    ),
    "a frozen record edited (only --base refuses it: H905)": _record_edited(
        "EC-2026-0007.json", b"fumigated", b"fumigatex"
    ),
    "a frozen record's number edited": _record_edited(
        "EC-2026-0001.json",
        b'"number":"COI.EU.US.2026.0001234"',
        b'"number":"COI.EU.US.2026.0009876"',
    ),
    "a draft issued": _issue("EC-2026-0006.yaml", "--on", "2026-11-25"),
    "a request added issued, with its record (a pull request merged)": lambda project: [
        _copy("EC-2026-0006", "EC-2026-0013", ("EC-2026-0006", "EC-2026-0013"))(project),
        _issue("EC-2026-0013.yaml", "--on", "2026-11-25")(project),
    ],
    "a draft issued and a certificate cancelled": lambda project: [
        _issue("EC-2026-0006.yaml", "--on", "2026-11-25")(project),
        _edit("EC-2026-0001.yaml", "status: issued", _CANCELLED)(project),
    ],
    "a certificate cancelled and a draft added": lambda project: [
        _edit("EC-2026-0001.yaml", "status: issued", _CANCELLED)(project),
        _copy("EC-2026-0006", "EC-2026-0013", ("EC-2026-0006", "EC-2026-0013"))(project),
    ],
}
"""Changes that publish: the certificates they change, and the aggregates that list them."""

MOVING: dict[str, Callable[[Path], None]] = {
    "the as-of date moved by a draft": _edit(
        "EC-2026-0006.yaml", "requested_at: 2026-11-25", "requested_at: 2026-11-30"
    ),
    "a certificate cancelled after the as-of date": _edit(
        "EC-2026-0001.yaml", "status: issued", _CANCELLED.replace("2026-02-20", "2026-11-30")
    ),
}
"""Changes that move the build's "as of" date: MkDocs' pages and the downloads name it, and
every status is as of that date."""

FULL: dict[str, Callable[[Path], None]] = {
    "a stray file in records/": _record("notes.txt", b"to do\n"),
}
"""Changes only a full build knows the meaning of."""

EVERY = {**PUBLISHING_NOTHING, **REFUSED, **PUBLISHING, **MOVING, **FULL}


@pytest.mark.parametrize("change", sorted(EVERY))
def test_a_build_after_a_change_ends_as_a_build_from_nothing(change: str, project: Path) -> None:
    EVERY[change](project)
    expected = _from_nothing(project)
    assert _outcome(project) == expected
    if change in REFUSED:
        assert expected[0] == "refused", change


@pytest.mark.parametrize("change", sorted(PUBLISHING_NOTHING))
def test_a_change_that_publishes_nothing_is_checked_alone(change: str, project: Path) -> None:
    PUBLISHING_NOTHING[change](project)
    report = _build(project)
    assert "check" not in report.timings, change  # no full build
    assert report.checked is not None and report.checked <= 3
    assert (report.pages_written, report.files_written) == (0, 0)
    again = _build(project)
    assert again.checked is None and "changes" not in again.timings  # nothing changed since


@pytest.mark.parametrize("change", sorted(PUBLISHING))
def test_a_change_that_publishes_remakes_only_what_it_changes(change: str, project: Path) -> None:
    PUBLISHING[change](project)
    report = _build(project)
    assert "check" not in report.timings, change  # no full build
    assert report.checked is not None and report.checked <= 4
    assert 1 <= report.pages_written <= 2
    _assert_outputs_as_stamped(project)
    assert not _build(project).pages_written  # and nothing again


def _assert_outputs_as_stamped(project: Path) -> None:
    """The stamp of a build after a few changes names the output folder's files as a listing
    of them does (it adds and takes the names the build moved in and removed)."""
    out_dir = project / "build" / "site"
    stamp = build_stamp.kept(Project(project).cache_dir, out_dir)
    assert stamp is not None
    assert stamp.outputs == build_stamp.outputs_key(out_dir)[0]


@pytest.mark.parametrize("change", sorted(MOVING))
def test_a_change_that_moves_the_as_of_date_publishes_the_date(change: str, project: Path) -> None:
    MOVING[change](project)
    report = _build(project)
    assert "check" not in report.timings and report.mkdocs_ran, change
    assert "Terms in force on 30 November 2026" in _text(project, "guidance/documents.html")
    assert '"as_of":"2026-11-30"' in _text(project, "downloads/certificates.json")
    _assert_outputs_as_stamped(project)
    assert not _build(project).pages_written  # and nothing again


DAMAGED_KEPT: dict[str, tuple[str, bytes | Callable[[Any], bytes] | None]] = {
    "a year's certificates damaged": ("published-2026", b"\x00damaged"),
    "a year's summary damaged": ("published-2026.summary", b"\x00damaged"),
    "a year's certificates gone": ("published-2026", None),
    "a lookup file's members damaged": ("lookup-members/0000", b"\x00damaged"),
    "a lookup file's members gone": ("lookup-members/0000", None),
    "a lookup file's members of another register": ("lookup-members/0000", marshal.dumps({})),
    "the lookup's layout damaged": ("lookup-layout", b"\x00damaged"),
    "an untouched year's summary with a count in words": (
        "published-2025.summary",
        lambda kept: marshal.dumps((str(kept[0]), *kept[1:])),
    ),
    "an untouched year's summary without its downloads' lines": (
        "published-2025.summary",
        lambda kept: marshal.dumps((kept[0], {}, kept[2], kept[3])),
    ),
}
"""What is kept beside the stamp, and how it is damaged: its new bytes, None (gone), or
made from what it held (a file that reads well but holds wrong values)."""


@pytest.mark.parametrize("damage", sorted(DAMAGED_KEPT))
def test_a_damaged_kept_register_gives_a_full_build(damage: str, project: Path) -> None:
    """What the last build kept of its register (beside its stamp) missing or damaged: a
    change that publishes makes a full build, never a wrong site."""
    name, content = DAMAGED_KEPT[damage]
    out_dir = project / "build" / "site"
    path = build_stamp.place(Project(project).cache_dir, out_dir) / name
    assert path.is_file(), sorted(p.name for p in path.parent.parent.iterdir())
    if callable(content):
        content = content(marshal.loads(path.read_bytes()))
    path.unlink()
    if content is not None:
        path.write_bytes(content)
    PUBLISHING["a certificate cancelled"](project)
    report = _build(project)
    assert "check" in report.timings or damage == "the lookup's layout damaged", damage
    assert _outcome(project) == _from_nothing(project)


def _text(project: Path, relative: str) -> str:
    return (project / "build" / "site" / relative).read_text("utf-8")


@pytest.mark.parametrize("change", sorted(FULL))
def test_a_change_only_a_full_build_knows_gives_one(change: str, project: Path) -> None:
    FULL[change](project)
    assert "check" in _build(project).timings, change


@pytest.mark.parametrize("expiries", ["kept", "missing", "damaged"])
def test_an_as_of_date_moved_past_a_validity_publishes_the_certificate_expired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expiries: str
) -> None:
    """A time-frame certificate valid until after the build's "as of" date; a cancellation
    of another certificate, dated after that validity, moves the date: the time-frame
    certificate is published expired, unchanged as its file is, as a build from nothing
    would. It is found from the kept expiries, which the build that changed its validity
    kept up to date, reading only the year folders' entries of the changes and of what
    expires; without them (missing or damaged), from every year folder's, and they are made
    again."""
    monkeypatch.setattr(register_index, "RACY_SECONDS", -1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("CERTGEN_CACHE_DIR", str(tmp_path / "cache"))
    project = make_synthetic(tmp_path / "project", 300, issued_only=True)
    assert _outcome(project)[0] == "built"
    as_of = date.fromisoformat(json.loads(_text(project, "downloads/certificates.json"))["as_of"])
    time_frame, other = _issued(project, with_validity=True), _issued(project, with_validity=False)
    record_path = project / "records" / time_frame[3:7] / f"{time_frame}.json"
    record = json.loads(record_path.read_bytes())
    record["validity"]["to"] = (as_of + timedelta(days=3)).isoformat()
    record_path.write_bytes(canonical_json(record))  # only --base refuses an edited record
    assert "check" not in _build(project).timings
    assert _status(project, time_frame) == "issued"
    _cancel(project, other, as_of + timedelta(days=5))
    kept = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").glob("*/stamps/*/*.entries")}
    (index,) = (tmp_path / "cache").glob(f"*/stamps/*/{build_stamp.EXPIRIES}")
    index_before = index.stat().st_mtime_ns
    if expiries == "missing":
        index.unlink()
    elif expiries == "damaged":
        index.write_bytes(b"not marshal")
    read: list[str] = []
    kept_folder = build_stamp._kept_folder

    def reading(where: Path, year: str) -> dict[str, list[Any]] | None:
        read.append(year)
        return kept_folder(where, year)

    monkeypatch.setattr(build_stamp, "_kept_folder", reading)
    report = _build(project)
    monkeypatch.setattr(build_stamp, "_kept_folder", kept_folder)
    assert "check" not in report.timings and report.checked == 2, report
    assert _status(project, time_frame) == "expired"
    changed = {time_frame[3:7], other[3:7]}
    years = {p.name.removesuffix(".entries") for p in kept if not p.name.startswith("records")}
    assert set(read) == (changed if expiries == "kept" else years) and years > changed
    assert index.is_file()  # made again from every year's entries when they were not kept
    if expiries == "kept":  # no validity changed: not written again
        assert index.stat().st_mtime_ns == index_before
    # only the changed years' entries are written back
    written = {p.name for p, before in kept.items() if p.stat().st_mtime_ns != before}
    assert written == {f"{year}.entries" for year in changed}
    assert _outcome(project) == _from_nothing(project)


def _issued_certificates(project: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each issued certificate, neither superseded nor an amendment: its ID and record."""
    for path in sorted((project / "requests").rglob("*.yaml")):
        text = path.read_text("utf-8")
        record = project / "records" / path.parent.name / f"{path.stem}.json"
        if "\nstatus: issued\n" in text and "supersed" not in text and record.is_file():
            yield path.stem, json.loads(record.read_bytes())


def _issued(project: Path, with_validity: bool) -> str:
    """An issued certificate with a validity (time frame) or without."""
    for certificate_id, record in _issued_certificates(project):
        if bool(record.get("validity")) == with_validity:
            return certificate_id
    raise AssertionError(f"no issued certificate with validity {with_validity}")


def _cancel(project: Path, certificate: str, day: date) -> None:
    path = project / "requests" / certificate[3:7] / f"{certificate}.yaml"
    cancellation = _CANCELLED.replace("2026-02-20", day.isoformat()) + "\n"
    path.write_text(path.read_text("utf-8").replace("status: issued\n", cancellation, 1))


def _status(project: Path, certificate: str) -> str:
    listed = json.loads(_text(project, "downloads/certificates.json"))["certificates"]
    return str(next(c["status"] for c in listed if c["id"] == certificate))


def test_the_neighbours_of_a_changed_file_are_checked(project: Path) -> None:
    """A new file taking an existing ID: the unchanged file it duplicates is reported too,
    as a full build reports it."""
    REFUSED["an ID taken again"](project)
    with pytest.raises(BuildRefused) as refused:
        _build(project)
    flagged = {f.path.rsplit("/", 1)[-1] for f in refused.value.result.findings if f.code == "R103"}
    assert flagged == {"EC-2026-0006.yaml", "EC-2026-0013.yaml"}


def test_many_changes_give_a_full_build(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_delta, "LIMIT", 1)
    _edit("EC-2026-0006.yaml", "city: Taipei", "city: Taichung")(project)
    _edit("EC-2026-0002.yaml", "kind: export", "kind: export ")(project)
    assert "check" in _build(project).timings


def test_a_file_changed_just_now_is_read_again_next_time(project: Path) -> None:
    _edit("EC-2026-0006.yaml", "city: Taipei", "city: Taichung")(project)
    later = time.time() + 3600  # within the racy window of any listing before then
    os.utime(project / REQUESTS / "EC-2026-0006.yaml", (later, later))
    first = _build(project)
    assert first.checked is not None
    assert _build(project).checked is not None  # not trusted as seen: read again


def test_a_record_written_just_now_is_read_again_next_time(project: Path) -> None:
    _issue("EC-2026-0006.yaml", "--on", "2026-11-25")(project)
    later = time.time() + 3600  # within the racy window of any listing before then
    os.utime(project / RECORDS / "EC-2026-0006.json", (later, later))
    first = _build(project)
    assert "check" not in first.timings and first.pages_written == 1
    again = _build(project)
    assert again.checked == 1 and not again.pages_written  # its request is read again


def test_a_full_build_leaves_the_register_index_ready(project: Path) -> None:
    """The index holds what the build's check read: bringing it up to date reads no file."""
    checker = DraftingChecker(Project(project))
    environment = environment_hash(code_hash(), checker.locked)
    root = str((project / "requests").resolve())
    index = RegisterIndex.open(Project(project).cache_dir / "index", root, environment)

    def read(files: list[tuple[str, str]]) -> list[Entry | None]:
        raise AssertionError(f"read again: {files}")

    try:
        found = index.neighbours(
            read, [checker.index_file(str(project / REQUESTS / "IC-2026-0006.yaml"), "x")], set()
        )
    finally:
        index.close()
    assert sorted(Path(e.path).name for e in found) == ["IC-2026-0004.yaml", "IC-2026-0006.yaml"]


def test_a_signed_build_after_a_cancellation_or_an_issuance_signs_what_it_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a throwaway signing key and PDFs: the lookup files a build after a cancellation
    writes carry signatures, by the published key, of the records it read from records/ (the
    register kept beside the stamp holds no record bytes), and the PDF's status is the
    lookup's; a build after an issuance makes and signs the new certificate's PDF, which
    verifies as the file the site publishes."""
    monkeypatch.setattr(register_index, "RACY_SECONDS", -1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("CERTGEN_CACHE_DIR", str(tmp_path / "cache"))
    project = make_project(tmp_path / "project", with_requests=True, with_site=True)
    for name, value in publish_throwaway_key(project, tmp_path / "secrets").items():
        monkeypatch.setenv(name, value)
    site = project / "build" / "site"
    build(Project(project), site)
    PUBLISHING["a certificate cancelled"](project)
    report = build(Project(project), site)
    assert "check" not in report.timings and report.pages_written == 1
    _verify_lookup_signatures(project, site)
    pdf = tmp_path / "EC-2026-0001.pdf"
    pdf.write_bytes(holder_pdf(site, "EC-2026-0001"))
    code, out, _ = run(["verify", str(pdf), "--site", str(site)], project)
    assert code == 1 and "status: Cancelled" in out, out
    _issue("EC-2026-0006.yaml", "--on", "2026-11-25")(project)
    report = build(Project(project), site)
    assert "check" not in report.timings and report.pdfs_made == 1
    _verify_lookup_signatures(project, site)
    pdf = tmp_path / "EC-2026-0006.pdf"
    pdf.write_bytes(holder_pdf(site, "EC-2026-0006"))
    code, out, _ = run(["verify", str(pdf), "--site", str(site)], project)
    assert code == 0 and "PDF: the file the site publishes" in out and "status: Valid" in out, out


def _verify_lookup_signatures(project: Path, site: Path) -> None:
    """Every frozen record's lookup entry carries its JWS, by the published key."""
    keys = KeySet.import_key_set(json.loads((site / "keys" / "jwks.json").read_bytes()))
    published = PublishedSite(str(site))
    for record in sorted((project / "records").rglob("*.json")):
        entry = published.entry(record.stem)
        assert entry is not None, record.stem
        token = str(entry["jws"]).encode("ascii")
        jws.deserialize_compact(token, keys, algorithms=["ES256"], payload=record.read_bytes())


def test_a_cancellation_and_an_issuance_in_a_larger_register_remake_their_lookup_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A synthetic register of several years and lookup files: a cancellation remakes its
    page, its year's files, the lookup files of its number and ID, and the downloads; so does
    an issuance (its entries join the lookup files as they are spread); the output folder is
    then as a build from nothing makes it. Its years hold more certificates than a year's
    newest kept (``NEWEST_KEPT``), so the lookup files' members from other years come from
    what is kept of them."""
    project = _larger_register(tmp_path, monkeypatch)
    meta = (project / "build" / "site" / "data" / "lookup" / "meta.js").read_text()
    assert '"shards":8' in meta  # several lookup files, of which only some are remade
    years = Counter(path.parent.name for path in (project / "requests").rglob("*.yaml"))
    assert sum(count > NEWEST_KEPT for count in years.values()) >= 3, years
    cancelled = _spread_over_two_lookup_files(project, 8)
    _cancel_on_its_day(project, cancelled)
    report = _build(project)
    assert "check" not in report.timings and report.pages_written == 1
    # its year's page and index, the lookup files of its number and ID, the 3 downloads (and
    # the newest certificates' index if it is one of them)
    assert 6 <= report.files_written <= 8, report
    assert _outcome(project) == _from_nothing(project)
    as_of = json.loads(_text(project, "downloads/certificates.json"))["as_of"]
    add_issued(project, 1, date.fromisoformat(as_of))  # a merged pull request that issued one
    report = _build(project)
    assert "check" not in report.timings and report.pages_written == 1
    assert 6 <= report.files_written <= 9, report  # as above, and years.js (one more there)
    assert _outcome(project) == _from_nothing(project)


def _larger_register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A synthetic register of 1,600 issued certificates over several years, built."""
    monkeypatch.setattr(register_index, "RACY_SECONDS", -1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("CERTGEN_CACHE_DIR", str(tmp_path / "cache"))
    project = make_synthetic(tmp_path / "project", 1600, issued_only=True)
    assert _outcome(project)[0] == "built"
    return project


def _cancel_on_its_day(project: Path, cancelled: str) -> None:
    """Cancel an issued certificate of the register, on the day it was issued."""
    path = project / "requests" / cancelled[3:7] / f"{cancelled}.yaml"
    text = path.read_text("utf-8")
    day = re.search(r"issued_on: '?([0-9-]{10})", text)
    assert day and "\nstatus: issued\n" in text
    path.write_text(
        text.replace("status: issued\n", _CANCELLED.replace("2026-02-20", day[1]) + "\n", 1)
    )


def _spread_over_two_lookup_files(project: Path, count: int) -> str:
    """An issued certificate whose number and ID are in two lookup files."""
    for certificate_id, record in _issued_certificates(project):
        if len(lookup_shard(record["number"], certificate_id, count)) == 2:
            return certificate_id
    raise AssertionError("no certificate spread over two lookup files")


def test_the_command_says_how_many_files_it_checked(project: Path) -> None:
    PUBLISHING_NOTHING["a draft edited"](project)
    code, out, _ = run(["build", "--no-pdf"], project)
    assert code == 0
    assert "0 pages and 0 PDFs made" in out
    assert "; 1 request file(s) checked, the changed ones and those linked with them" in out


def test_every_newest_list_is_within_what_a_year_keeps() -> None:
    """The register's newest rows and the feed are made from each unchanged year's kept
    newest certificates: neither may ask for more."""
    assert LATEST_ROWS <= NEWEST_KEPT and FEED_ENTRIES <= NEWEST_KEPT


def test_cancellations_in_three_years_sharing_lookup_files_end_as_builds_from_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lookup file's members are kept without their year rows. Cancellations
    one build after another, in different years, each in a lookup file shared with the one
    before (so members kept stripped by one build are loaded, and their year made, by the
    next): every build after a change ends as a build from nothing, and no year file kept
    beside the stamp holds an entry without its year row."""
    project = _larger_register(tmp_path, monkeypatch)
    count = 8
    issued = {i: r for i, r in _issued_certificates(project)}
    files = {i: lookup_shard(r["number"], i, count) for i, r in issued.items()}
    chain: list[str] = []
    for candidate in sorted(issued):
        if len(chain) == 3:
            break
        if chain and (
            candidate[3:7] in {c[3:7] for c in chain} or not files[candidate] & files[chain[-1]]
        ):
            continue
        chain.append(candidate)
    assert len(chain) == 3, chain
    for cancelled in chain:
        _cancel_on_its_day(project, cancelled)
        report = _build(project)
        assert "check" not in report.timings, (cancelled, report.timings)
        kept = list((tmp_path / "cache").rglob("published-[0-9][0-9][0-9][0-9]"))
        assert kept
        for year_file in kept:
            entries = marshal.loads(year_file.read_bytes())
            assert all(e[5] and e[6] for e in entries.values()), year_file
        assert _outcome(project) == _from_nothing(project), cancelled


def test_builds_leave_the_collector_enabled_and_unfrozen(project: Path) -> None:
    """A full build, a build after a change and a refused build (as
    ``certgen serve`` runs them, one after another in one process) each leave the garbage
    collector as they found it: enabled, nothing frozen."""
    assert gc.isenabled() and gc.get_freeze_count() == 0  # after the fixture's full build
    PUBLISHING["a certificate cancelled"](project)
    assert "check" not in _build(project).timings
    assert gc.isenabled() and gc.get_freeze_count() == 0
    build_stamp.forget(Project(project).cache_dir, project / "build" / "site")
    assert "check" in _build(project).timings
    assert gc.isenabled() and gc.get_freeze_count() == 0
    _edit("EC-2026-0001.yaml", "status: cancelled", "status: nonsense")(project)
    with pytest.raises(BuildRefused):
        _build(project)
    assert gc.isenabled() and gc.get_freeze_count() == 0
