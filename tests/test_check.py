"""The check pipeline at scale and under hostile input: parallel runs agree with serial ones,
synthetic registers are clean, and no input makes certgen raise."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.synthetic import make_project as make_synthetic
from generator.check.load import load_bytes
from generator.check.pipeline import PARALLEL_THRESHOLD, Checker, run_check
from generator.project import Project
from tests.helpers import ROOT, working_directory

EXAMPLES = sorted((ROOT / "requests").rglob("*.yaml"))


def test_synthetic_register_is_clean_and_parallel_equals_serial(tmp_path: Path) -> None:
    project = make_synthetic(tmp_path / "repo", PARALLEL_THRESHOLD + 100)
    broken = sorted((project / "requests").rglob("*.yaml"))[::97]
    for path in broken:
        path.write_text(path.read_text().replace("status:", "status: maybe\nstatus_:"))
    checker = Checker(Project(project))
    with working_directory(project):
        serial = run_check(checker, ["requests"], jobs=1)
        parallel = run_check(checker, ["requests"], jobs=2)
    assert serial.files == PARALLEL_THRESHOLD + 100
    assert serial.findings == parallel.findings
    assert {f.path for f in serial.findings} == {str(p.relative_to(project)) for p in broken}


_CHECKER = Checker(Project(ROOT))


def _mutations() -> st.SearchStrategy[bytes]:
    """Example requests with one line replaced, dropped, duplicated or garbled."""
    values = st.one_of(
        st.text(max_size=30),
        st.integers(),
        st.floats(allow_nan=True),
        st.booleans(),
        st.sampled_from(
            [
                "",
                "~",
                "[]",
                "{}",
                "- x",
                "&a x",
                "*a",
                "!!binary x",
                "'",
                '"',
                "2026-02-30",
                "0804.40",
                "NO",
                "1e999",
                "\t",
                ": :",
                "|\n  x",
            ]
        ),
    )

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        text = draw(st.sampled_from(EXAMPLES)).read_text(encoding="utf-8")
        lines = text.split("\n")
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["value", "drop", "duplicate", "bytes"]))
        if action == "value" and ":" in lines[index]:
            key = lines[index].split(":", 1)[0]
            lines[index] = f"{key}: {draw(values)}"
        elif action == "drop":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        else:
            return "\n".join(lines).encode() + draw(st.binary(max_size=20))
        return "\n".join(lines).encode()

    return mutate()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_mutations())
def test_mutated_requests_give_findings_never_exceptions(raw: bytes, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("mutant")
    path = folder / "request.yaml"
    path.write_bytes(raw)
    _, _, findings = _CHECKER.inspect(path, "request.yaml")
    for finding in findings:
        assert finding.line >= 1 and finding.column >= 1
        assert finding.message


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    loaded = load_bytes(raw, "x.yaml")
    assert (loaded.document is None) == bool(loaded.findings)


def test_hostile_files_in_one_run_do_not_stop_the_others(tmp_path: Path) -> None:
    project = tmp_path / "repo"
    for part in ("schemas", "data", "requests"):
        shutil.copytree(ROOT / part, project / part)
    hostile = project / "requests" / "2026"  # named as requests: a misnamed file is not read
    (hostile / "IC-2026-0901.yaml").write_text(
        "a: &a [x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    )
    (hostile / "IC-2026-0902.yaml").write_bytes(b"GIF89a\x01\x00\x01\x00\x7f\x00\x00\x02")
    (hostile / "IC-2026-0903.yaml").write_bytes(bytes(range(256)))
    (hostile / "IC-2026-0904.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    (hostile / "IC-2026-0905.yaml").write_text("a: " + "x" * 2_000_000)
    checker = Checker(Project(project))
    with working_directory(project):
        result = run_check(checker, ["requests"], jobs=1)
    assert result.files == len(EXAMPLES) + 5
    codes = {f.path.rsplit("/", 1)[-1]: f.code for f in result.findings if f.code[0] == "Y"}
    assert codes == {
        "IC-2026-0901.yaml": "Y003",
        "IC-2026-0902.yaml": "Y008",
        "IC-2026-0903.yaml": "Y007",
        "IC-2026-0904.yaml": "Y010",
        "IC-2026-0905.yaml": "Y009",
    }
