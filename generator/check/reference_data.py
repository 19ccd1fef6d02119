"""Reference data: the certifier's files in data/, loaded, schema-checked and turned into records.

``load_data_documents`` returns the located documents (for findings and data rules);
``build_reference`` turns valid documents into the frozen records the rules and decide use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.check.document import Document
from generator.check.load import load_file
from generator.check.schema import Schema, load_schema, validate
from generator.findings import Finding

DATA_FILES = ("certifier", "operations", "destinations", "services", "records", "trainings")
CERTIFIED = "certified"


@dataclass(frozen=True)
class StaffMember:
    handle: str
    name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Certifier:
    name: str
    short_name: str
    code: str
    sample_data: bool
    email: str
    phone: str | None
    office_hours: str | None
    address: str
    website: str
    staff: dict[str, StaffMember]


@dataclass(frozen=True)
class StatusPeriod:
    status: str
    since: date


@dataclass(frozen=True)
class CertifiedItem:
    name_as_labeled: str
    scope: str
    category: str


@dataclass(frozen=True)
class Operation:
    operation_id: str
    name: str
    other_names: tuple[str, ...]
    country: str
    certifier: str | None
    status_history: tuple[StatusPeriod, ...]
    scopes: frozenset[str]
    soe_compliant: bool
    items: tuple[CertifiedItem, ...]
    addendum_markets: frozenset[str] | None
    items_by_name: dict[str, CertifiedItem] = field(init=False, repr=False, compare=False)
    known_names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {normalized(i.name_as_labeled): i for i in self.items}
        object.__setattr__(self, "items_by_name", by_name)
        names = frozenset(normalized(n) for n in (self.name, *self.other_names))
        object.__setattr__(self, "known_names", names)

    def status_on(self, day: date) -> StatusPeriod | None:
        """The status in effect on ``day`` (None before the first recorded status)."""
        current = None
        for period in self.status_history:
            if period.since <= day:
                current = period
        return current

    def first_non_certified(self, start: date, end: date) -> StatusPeriod | None:
        """The first status other than certified in effect at some day of ``start..end``."""
        at_start = self.status_on(start)
        if at_start is None or at_start.status != CERTIFIED:
            return at_start or StatusPeriod("not yet certified", start)
        for period in self.status_history:
            if start < period.since <= end and period.status != CERTIFIED:
                return period
        return None

    def item(self, name_as_labeled: str) -> CertifiedItem | None:
        """The certified item of that name, ignoring case and extra spaces."""
        return self.items_by_name.get(normalized(name_as_labeled))

    def is_named(self, name: str) -> bool:
        return normalized(name) in self.known_names


@dataclass(frozen=True)
class Requirement:
    id: str
    text: str
    categories: frozenset[str] | None

    def applies_to(self, category: str) -> bool:
        return self.categories is None or category in self.categories


ISSUING_SYSTEMS = {
    "oid": "the Organic INTEGRITY Database (OID)",
    "traces": "EU TRACES NT",
    "e_naqs": "Korea e-NAQS",
    "certifier": "the certifier's own template",
}


@dataclass(frozen=True)
class DocumentType:
    id: str
    title: str
    issued_in: str
    description: str
    number_pattern: re.Pattern[str] | None
    number_example: str | None
    number_required: bool

    @property
    def system(self) -> str:
        """Where the document is issued, in words."""
        return ISSUING_SYSTEMS[self.issued_in]


@dataclass(frozen=True)
class Market:
    id: str
    name: str
    countries: frozenset[str]
    document_type: str
    arrangement: str | None
    tariff_code: str
    requires_addendum: bool
    origin: str
    min_organic_percent: float | None
    allowed_categories: frozenset[str] | None
    excluded_categories: frozenset[str]
    statements: tuple[Requirement, ...]
    attestations: tuple[Requirement, ...]
    notes: str


@dataclass(frozen=True)
class ServiceLevel:
    id: str
    title: str
    business_days: int
    fee: Decimal
    description: str


@dataclass(frozen=True)
class CalendarSettings:
    holidays_country: str
    timezone: str
    cutoff: str
    office_closures: tuple[tuple[date, str], ...]


@dataclass(frozen=True)
class TimeFramePolicy:
    max_days: int
    transport_modes: frozenset[str]
    origin_countries: frozenset[str]
    supplement: Decimal
    report_actuals_days_before_end: int
    description: str


@dataclass(frozen=True)
class Attestation:
    id: str
    title: str
    text: str
    always_required: bool


@dataclass(frozen=True)
class DocumentKind:
    id: str
    title: str
    description: str


@dataclass(frozen=True)
class Records:
    document_kinds: dict[str, DocumentKind]
    always_required: tuple[str, ...]
    transport_documents: dict[str, tuple[str, ...]]
    phytosanitary_categories: frozenset[str]
    manual_review: frozenset[str]
    attestations: dict[str, Attestation]


@dataclass(frozen=True)
class Training:
    id: str
    title: str
    format: str
    date: date | None
    duration_minutes: int | None
    audience: str
    description: str


@dataclass(frozen=True)
class Reference:
    certifier: Certifier
    snapshot_taken_on: date
    operations: dict[str, Operation]
    document_types: dict[str, DocumentType]
    markets: dict[str, Market]
    country_markets: dict[str, Market]
    other_market: Market
    currency: str
    calendar: CalendarSettings
    service_levels: dict[str, ServiceLevel]
    document_supplements: dict[str, Decimal]
    supplement_reasons: dict[str, str]
    time_frame: TimeFramePolicy
    records: Records
    trainings: tuple[Training, ...]

    def market_for(self, country: str) -> Market:
        return self.country_markets.get(country, self.other_market)


def normalized(text: str) -> str:
    return " ".join(text.casefold().split())


def data_paths(data_dir: Path) -> dict[str, Path]:
    return {name: data_dir / f"{name}.yaml" for name in DATA_FILES}


def data_schemas(schema_dir: Path) -> dict[str, Schema]:
    return {name: load_schema(schema_dir / "data" / f"{name}.schema.json") for name in DATA_FILES}


def load_data_documents(
    paths: dict[str, Path], displays: dict[str, str], schemas: dict[str, Schema]
) -> tuple[dict[str, Document], list[Finding]]:
    """Load and schema-check every data file; a file with findings is left out of the result."""
    documents: dict[str, Document] = {}
    findings: list[Finding] = []
    for name, path in paths.items():
        loaded = load_file(path, displays[name])
        problems = loaded.findings
        if loaded.document is not None:
            problems = validate(loaded.document, schemas[name])
        findings.extend(problems)
        if loaded.document is not None and not problems:
            documents[name] = loaded.document
    return documents, findings


def build_reference(documents: dict[str, Document]) -> Reference:
    """Records from schema-valid, integrity-checked data documents."""
    services = documents["services"].data
    destinations = documents["destinations"].data
    markets = {m["id"]: _market(m) for m in destinations["markets"]}
    operations = documents["operations"].data
    return Reference(
        certifier=_certifier(documents["certifier"].data),
        snapshot_taken_on=date.fromisoformat(operations["snapshot"]["taken_on"]),
        operations={o["operation_id"]: _operation(o) for o in operations["operations"]},
        document_types={d["id"]: _document_type(d) for d in destinations["document_types"]},
        markets=markets,
        country_markets={c: m for m in markets.values() for c in m.countries},
        other_market=next(m for m in markets.values() if not m.countries),
        currency=services["currency"],
        calendar=_calendar(services["business_calendar"]),
        service_levels={s["id"]: _service_level(s) for s in services["service_levels"]},
        document_supplements={
            s["document_type"]: _money(s["fee"]) for s in services["document_supplements"]
        },
        supplement_reasons={
            s["document_type"]: s["reason"] for s in services["document_supplements"]
        },
        time_frame=_time_frame(services["time_frame_policy"]),
        records=_records(documents["records"].data),
        trainings=tuple(_training(t) for t in documents["trainings"].data["trainings"]),
    )


def _money(value: float) -> Decimal:
    return Decimal(str(value))


def _certifier(data: dict[str, Any]) -> Certifier:
    staff = {
        s["handle"]: StaffMember(s["handle"], s["name"], frozenset(s["roles"]))
        for s in data["staff"]
    }
    return Certifier(
        name=data["name"],
        short_name=data.get("short_name", data["name"]),
        code=data["nop_certifier_code"],
        sample_data=data["sample_data"],
        email=data["contact"]["email"],
        phone=data["contact"].get("phone"),
        office_hours=data["contact"].get("office_hours"),
        address=", ".join(
            str(data["address"][part])
            for part in ("street", "city", "state", "postal_code", "country")
            if part in data["address"]
        ),
        website=data["website"],
        staff=staff,
    )


def _operation(data: dict[str, Any]) -> Operation:
    addendum = data.get("addendum")
    return Operation(
        operation_id=data["operation_id"],
        name=data["name"],
        other_names=tuple(data.get("other_names", ())),
        country=data["country"],
        certifier=data.get("certifier"),
        status_history=tuple(
            StatusPeriod(s["status"], date.fromisoformat(s["since"]))
            for s in data["status_history"]
        ),
        scopes=frozenset(data["scopes"]),
        soe_compliant=data["soe_compliant"],
        items=tuple(
            CertifiedItem(i["name_as_labeled"], i["scope"], i["category"])
            for i in data["certified_items"]
        ),
        addendum_markets=frozenset(addendum["markets"]) if addendum else None,
    )


def _document_type(data: dict[str, Any]) -> DocumentType:
    number = data.get("official_number")
    return DocumentType(
        id=data["id"],
        title=data["title"],
        issued_in=data["issued_in"],
        description=data["description"],
        number_pattern=re.compile(number["pattern"]) if number else None,
        number_example=number["example"] if number else None,
        number_required=bool(number and number["required"]),
    )


def _requirement(data: dict[str, Any]) -> Requirement:
    categories = data.get("categories")
    return Requirement(
        data["id"], data.get("text", ""), frozenset(categories) if categories else None
    )


def _market(data: dict[str, Any]) -> Market:
    allowed = data.get("allowed_categories")
    return Market(
        id=data["id"],
        name=data["name"],
        countries=frozenset(data["countries"]),
        document_type=data["document_type"],
        arrangement=data.get("arrangement"),
        tariff_code=data["tariff_code"],
        requires_addendum=data["requires_addendum"],
        origin=data["origin"],
        min_organic_percent=data.get("min_organic_percent"),
        allowed_categories=frozenset(allowed) if allowed is not None else None,
        excluded_categories=frozenset(data.get("excluded_categories", ())),
        statements=tuple(_requirement(s) for s in data["statements"]),
        attestations=tuple(_requirement(a) for a in data["attestations"]),
        notes=" ".join(data.get("notes", "").split()),
    )


def _calendar(data: dict[str, Any]) -> CalendarSettings:
    closures = tuple(
        (date.fromisoformat(c["date"]), c["reason"]) for c in data.get("office_closures", ())
    )
    return CalendarSettings(data["holidays_country"], data["timezone"], data["cutoff"], closures)


def _service_level(data: dict[str, Any]) -> ServiceLevel:
    return ServiceLevel(
        data["id"], data["title"], data["business_days"], _money(data["fee"]), data["description"]
    )


def _time_frame(data: dict[str, Any]) -> TimeFramePolicy:
    return TimeFramePolicy(
        max_days=data["max_days"],
        transport_modes=frozenset(data["transport_modes"]),
        origin_countries=frozenset(data["origin_countries"]),
        supplement=_money(data["supplement"]),
        report_actuals_days_before_end=data["report_actuals_days_before_end"],
        description=" ".join(data["description"].split()),
    )


def _records(data: dict[str, Any]) -> Records:
    return Records(
        document_kinds={
            d["id"]: DocumentKind(d["id"], d["title"], " ".join(d["description"].split()))
            for d in data["documents"]
        },
        always_required=tuple(data["always_required"]),
        transport_documents={mode: tuple(ids) for mode, ids in data["transport_documents"].items()},
        phytosanitary_categories=frozenset(data["phytosanitary_certificate_for"]),
        manual_review=frozenset(data["manual_review_documents"]),
        attestations={
            a["id"]: Attestation(
                a["id"], a["title"], " ".join(a["text"].split()), a.get("always_required", False)
            )
            for a in data["attestations"]
        },
    )


def _training(data: dict[str, Any]) -> Training:
    return Training(
        id=data["id"],
        title=data["title"],
        format=data["format"],
        date=date.fromisoformat(data["date"]) if "date" in data else None,
        duration_minutes=data.get("duration_minutes"),
        audience=data["audience"],
        description=" ".join(data["description"].split()),
    )
