"""Synthetic registers for benchmarks and scale tests, consistent with data/.

Each synthetic request is one of the repository's example requests with its dates shifted,
its ID, lots and references renumbered and its official number made unique, placed only
where every operation it names is certified on the shifted dates. The result passes
``certgen check`` like the examples do.

    python benchmarks/synthetic.py 10000 /tmp/register   # writes /tmp/register/requests/...
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.check.load import load_file  # noqa: E402
from generator.check.pipeline import Checker  # noqa: E402
from generator.fingerprints import canonical_json  # noqa: E402
from generator.project import Project  # noqa: E402

MODELINE = "# yaml-language-server: $schema=../../schemas/request.schema.json\n"
FIRST_YEAR, LAST_YEAR = 2020, 2026
MAX_PER_YEAR = 9999
"""Request IDs number four digits a year (schemas/request.schema.json)."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TOKEN = re.compile(r"@@(\w+?)(?::([^@]*))?@@")


@dataclass
class Template:
    kind: str
    text: str
    """The example dumped as YAML, with @@TOKEN@@ placeholders for what varies."""
    earliest: date
    """First day on which every operation it names is certified (and, for an export, the
    arrangement terms in force on its departure date are the same)."""
    span: int
    """Days from the request to the template's last date."""
    number_kind: str | None
    latest: date = date.max
    """Last request day on which its departure falls under the same arrangement terms."""
    record: str | None = None
    """For an issued example: its frozen record (canonical JSON) with the same placeholders."""


def templates(project: Project, issued_only: bool = False) -> list[Template]:
    checker = Checker(project)
    assert checker.reference is not None, "data/ has errors; run certgen check"
    found = []
    for path in sorted(project.requests_dir.rglob("*.yaml")):
        document = load_file(path, str(path)).document
        assert document is not None
        data = document.data
        if data.get("supersedes") or data.get("superseded_by"):
            continue  # amendment pairs are not shifted one by one
        if issued_only and data["status"] == "requested":
            continue
        template = _template(data, checker)
        frozen = project.frozen_record(data["id"])
        if frozen.is_file():
            received = datetime.fromisoformat(data["requested_at"]).date()
            template.record = _record_template(json.loads(frozen.read_bytes()), received)
        found.append(template)
    return found


def _template(data: dict[str, Any], checker: Checker) -> Template:
    received = datetime.fromisoformat(data["requested_at"]).date()
    dates = [date.fromisoformat(d) for d in _DATE.findall(yaml.safe_dump(data)) if _is_day(d)]
    named = [
        p["operation_id"]
        for p in (data["exporter"], data.get("importer", {}))
        if "operation_id" in p
    ]
    assert checker.reference is not None
    since = [checker.reference.operations[o].status_history[-1].since for o in named]
    number = (data.get("issuance") or {}).get("official_number")
    tokenized = _tokenize(data, received)
    text = MODELINE + yaml.dump(
        tokenized, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200
    )
    first, last = _same_terms(data, checker, received)
    return Template(
        kind=data["kind"],
        text=text,
        earliest=max([*since, first]) + timedelta(days=1),
        span=(max(dates) - received).days,
        number_kind=_number_kind(number),
        latest=last,
    )


def _same_terms(data: dict[str, Any], checker: Checker, received: date) -> tuple[date, date]:
    """The request days whose departure falls under the arrangement terms the example's
    departure falls under (an export's statements and scope change with the terms)."""
    assert checker.reference is not None
    departure = data["transport"].get("departure_date")
    if data["kind"] != "export" or departure is None:
        return date.min, date.max
    market = checker.reference.market_for(data["destination"]["country"])
    terms = market.terms_on(date.fromisoformat(departure))
    assert terms is not None, f"{data['id']}: no terms in force on its departure"
    lead = date.fromisoformat(departure) - received
    first = terms.valid_from - lead if terms.valid_from else date.min
    return first, terms.valid_to - lead if terms.valid_to else date.max


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _number_kind(number: str | None) -> str | None:
    if number is None:
        return None
    if number.startswith("COI."):
        return "traces"
    return "naqs" if number.startswith("NAQS") else "oid"


def _tokenize(value: Any, received: date, key: str = "") -> Any:
    """Replace what varies between synthetic copies by placeholders."""
    if isinstance(value, dict):
        return {k: _tokenize(v, received, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_tokenize(v, received, key) for v in value]
    if not isinstance(value, str):
        return value
    if key == "id":
        return "@@ID@@"
    if key == "official_number":
        return "@@NUMBER@@"
    if key in ("reference", "transport_document", "entry_number", "client_reference"):
        return f"{value}-@@SEQ@@"
    if key == "lots":
        return f"{value}-@@SEQ@@"
    if _DATE.match(value):
        offset = (date.fromisoformat(value[:10]) - received).days
        return f"@@DATE:{offset}@@{value[10:]}"
    return value


def _record_template(record: dict[str, Any], received: date) -> str:
    """A frozen record with placeholders for what varies: its ID, number and URL, lots and
    dates. Keys keep their order, so the rendered text is canonical JSON again."""
    request_id = record["id"]
    top = {"id": "@@ID@@", "url": record["url"].replace(request_id, "@@ID@@")}
    top["number"] = "@@ID@@" if record["number"] == request_id else "@@NUMBER@@"
    tokenized = {k: top.get(k, _tokenize_dates(v, received)) for k, v in record.items()}
    for product in tokenized["products"]:
        product["lots"] = [f"{lot}-@@SEQ@@" for lot in product.get("lots", ())]
    return canonical_json(tokenized).decode("utf-8")


def _tokenize_dates(value: Any, received: date) -> Any:
    if isinstance(value, dict):
        return {k: _tokenize_dates(v, received) for k, v in value.items()}
    if isinstance(value, list):
        return [_tokenize_dates(v, received) for v in value]
    if isinstance(value, str) and _DATE.fullmatch(value):
        return f"@@DATE:{(date.fromisoformat(value) - received).days}@@"
    return value


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):  # type: ignore[misc]
    pass


def write_register(root: Path, count: int, seed: int = 1, issued_only: bool = False) -> list[Path]:
    """Write ``count`` synthetic requests under ``root/requests/<year>/`` (and the frozen
    records of the issued ones under ``root/records/<year>/``); return their paths."""
    project = Project(ROOT)
    shapes = templates(project, issued_only)
    rng = random.Random(seed)
    sequences: dict[tuple[str, int], int] = {}
    paths = []
    for index in range(count):
        shape, received = _shape_and_day(rng, shapes, index, sequences)
        prefix = "IC" if shape.kind == "import" else "EC"
        sequences[prefix, received.year] = sequences.get((prefix, received.year), 0) + 1
        request_id = f"{prefix}-{received.year}-{sequences[prefix, received.year]:04d}"
        text = _render(shape.text, shape, request_id, received, index + 1)
        path = root / "requests" / str(received.year) / f"{request_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        if shape.record is not None:
            record = _render(shape.record, shape, request_id, received, index + 1)
            frozen = Project(root).frozen_record(request_id)
            frozen.parent.mkdir(parents=True, exist_ok=True)
            frozen.write_text(record, encoding="utf-8")
    return paths


def add_issued(root: Path, seed: int, until: date) -> Path:
    """Add one issued request and its frozen record to the synthetic register at ``root``,
    as the merge of a pull request that issued it brings them: the next free ID of a year with
    room, every day it records on or before ``until`` (so a build's "as of" date stays)."""
    sequences: dict[tuple[str, int], int] = {}
    for path in (root / "requests").glob("*/*.yaml"):
        prefix, year, number = path.stem.split("-")
        key = (prefix, int(year))
        sequences[key] = max(sequences.get(key, 0), int(number))
    shapes = templates(Project(ROOT), issued_only=True)
    rng = random.Random(seed)
    for attempt in range(1000):
        shape, received = _shape_and_day(rng, shapes, attempt, sequences)
        if received + timedelta(days=shape.span) > until:
            continue
        prefix = "IC" if shape.kind == "import" else "EC"
        request_id = f"{prefix}-{received.year}-{sequences.get((prefix, received.year), 0) + 1:04d}"
        sequence = 10**6 + seed  # official numbers past the register's
        path = root / "requests" / str(received.year) / f"{request_id}.yaml"
        path.write_text(_render(shape.text, shape, request_id, received, sequence), "utf-8")
        assert shape.record is not None
        record = _render(shape.record, shape, request_id, received, sequence)
        Project(root).frozen_record(request_id).write_text(record, encoding="utf-8")
        return path
    raise SystemExit(f"no issued request fits before {until}")


def _shape_and_day(
    rng: random.Random, shapes: list[Template], index: int, sequences: dict[tuple[str, int], int]
) -> tuple[Template, date]:
    """The examples in turn, each on a random request day in a year whose numbering
    (IC-<year>-0001 to -9999) has room left; an example whose years are full gives way to the
    next, so a large register fills its busiest years and spills into the others."""
    for shift in range(len(shapes)):
        shape = shapes[(index + shift) % len(shapes)]
        prefix = "IC" if shape.kind == "import" else "EC"
        for _ in range(200):
            received = _pick_day(rng, shape)
            if sequences.get((prefix, received.year), 0) < MAX_PER_YEAR:
                return shape, received
    raise SystemExit(f"no year from {FIRST_YEAR} to {LAST_YEAR} has room for more requests")


def _pick_day(rng: random.Random, shape: Template) -> date:
    first = max(shape.earliest, date(FIRST_YEAR, 1, 1))
    last = min(date(LAST_YEAR, 12, 31) - timedelta(days=shape.span), shape.latest)
    return first + timedelta(days=rng.randrange((last - first).days))


def _render(text: str, shape: Template, request_id: str, received: date, sequence: int) -> str:
    def value(match: re.Match[str]) -> str:
        token, argument = match.group(1), match.group(2)
        if token == "ID":
            return request_id
        if token == "SEQ":
            return f"{sequence:06d}"
        if token == "DATE":
            return (received + timedelta(days=int(argument))).isoformat()
        return _official_number(shape.number_kind, received, sequence)

    return _TOKEN.sub(value, text)


def _official_number(kind: str | None, received: date, sequence: int) -> str:
    if kind == "traces":
        return f"COI.EU.US.{received.year}.{sequence:07d}"
    if kind == "naqs":
        return f"NAQS-{received.year}-US-{sequence:06d}"
    return f"555-{sequence % 10**10:010d}-{sequence % 10**6:06d}"


def make_project(target: Path, count: int, seed: int = 1, issued_only: bool = False) -> Path:
    """A repository copy (schemas, data, site, mkdocs.yml) at ``target`` with ``count``
    synthetic requests (all of them issued, cancelled or superseded with ``issued_only``)."""
    for part in ("schemas", "data", "site"):
        shutil.copytree(ROOT / part, target / part, dirs_exist_ok=True)
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    write_register(target, count, seed, issued_only)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("target", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--issued-only", action="store_true", help="only published requests")
    arguments = parser.parse_args()
    make_project(arguments.target, arguments.count, arguments.seed, arguments.issued_only)
    print(f"wrote {arguments.count} requests under {arguments.target / 'requests'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
