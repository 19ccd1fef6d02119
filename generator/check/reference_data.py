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
from generator.check.words import ISSUED_IN_WORDS
from generator.findings import Finding

DATA_FILES = (
    "certifier",
    "operations",
    "destinations",
    "services",
    "records",
    "trainings",
    "publication",
)
CERTIFIED = "certified"


@dataclass(frozen=True)
class StaffMember:
    handle: str
    name: str
    roles: frozenset[str]
    github: str = ""
    """The GitHub login this person approves pull requests with."""


@dataclass(frozen=True)
class PostalAddress:
    """A physical address, as the forms print it."""

    street: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str

    @property
    def line(self) -> str:
        """Street, city, region and postal code on one line (the country is printed apart)."""
        place = " ".join(part for part in (self.region, self.postal_code) if part)
        return ", ".join(part for part in (self.street, self.city, place) if part)


@dataclass(frozen=True)
class Accreditation:
    program: str
    title: str
    since: date
    reference: str | None
    """Its code, such as the control-body code a certificate of inspection prints."""


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
    postal_address: PostalAddress | None = None
    accreditations: tuple[Accreditation, ...] = ()

    def member_with_login(self, login: str) -> StaffMember | None:
        return member_with_login(self.staff, login)

    def preparer_handle(self, prepared_by: str) -> str:
        """The staff handle behind ``prepared_by``: itself, or for ``github:<login>`` (a
        request filed through the issue form) the staff member with that login, if any."""
        if prepared_by.startswith(OUTSIDE):
            member = self.member_with_login(prepared_by.removeprefix(OUTSIDE))
            return member.handle if member else prepared_by
        return prepared_by

    def accreditation(self, program: str) -> Accreditation | None:
        return next((a for a in self.accreditations if a.program == program), None)


@dataclass(frozen=True)
class StatusPeriod:
    status: str
    since: date


@dataclass(frozen=True)
class CertifiedItem:
    name_as_labeled: str
    scope: str
    category: str
    hs_headings: tuple[str, ...]
    """HS headings (4 digits) or subheadings (6) the item can be declared under."""
    animal: str | None = None
    """ruminant or non_ruminant for products of animal origin (meat, dairy); else None."""


@dataclass(frozen=True)
class PublicationConsent:
    """A client's consent to publish more of its certificates than the policy does."""

    fields: frozenset[str]
    given_on: date
    kept_in: str


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
    address: PostalAddress | None = None
    publication_consent: PublicationConsent | None = None
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
    """A statement or attestation, with the products it applies to."""

    id: str
    text: str
    categories: frozenset[str] | None
    """The product categories it applies to; None for every category."""
    produced_in: frozenset[str] | None = None
    """The countries of production it applies to; None for every origin."""
    animals: frozenset[str] | None = None
    """The animals (ruminant, non_ruminant) it applies to; None for every product."""

    def applies_to(
        self,
        category: str | frozenset[str],
        produced_in: str | None = None,
        animal: str | None = None,
    ) -> bool:
        """Whether it applies to a product of ``category`` (or any of several: a product of
        animal origin is a livestock product too), origin and animal; what is not known
        (None) does not exclude it."""
        kinds = frozenset([category]) if isinstance(category, str) else category
        if self.categories is not None and not kinds & self.categories:
            return False
        origins = self.produced_in
        if origins is not None and produced_in is not None and produced_in not in origins:
            return False
        return self.animals is None or animal is None or animal in self.animals


ISSUING_SYSTEMS = {**ISSUED_IN_WORDS, "certifier": "the certifier's own form"}
"""Where each kind of document is issued, in words."""


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
class Terms:
    """A market's terms in force over a period: what its arrangement requires of a shipment
    that leaves the United States between ``valid_from`` and ``valid_to`` (both included)."""

    valid_from: date | None
    """None: in force since before any date the register holds (start not sourced)."""
    valid_to: date | None
    """None: no end date is known."""
    arrangement: str | None
    procedure: str | None
    """The exact wording of the procedure box (box 2) or arrangement reference, if any."""
    sources: tuple[str, ...]
    origin: str
    claims: frozenset[str] | None
    min_organic_percent: float | None
    allowed_categories: frozenset[str] | None
    excluded_categories: frozenset[str]
    statements: tuple[Requirement, ...]
    attestations: tuple[Requirement, ...]
    notes: str

    def in_force_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def period(self) -> str:
        """The period in words: "2020-05-30 to 2026-12-31", "since 2020-05-30"."""
        if self.valid_from and self.valid_to:
            return f"{self.valid_from} to {self.valid_to}"
        if self.valid_from:
            return f"since {self.valid_from}"
        return f"until {self.valid_to}" if self.valid_to else "without a known start or end"


@dataclass(frozen=True)
class Market:
    id: str
    name: str
    countries: frozenset[str]
    document_type: str
    tariff_code: str
    requires_addendum: bool
    notes: str
    terms: tuple[Terms, ...]
    """Oldest first; the periods do not overlap (a data rule checks it)."""
    lot_weights_required: bool = False
    importer_control_body_required: bool = False

    def terms_on(self, day: date) -> Terms | None:
        """The terms in force on ``day``, or None when no terms cover it."""
        for terms in self.terms:
            if terms.in_force_on(day):
                return terms
        return None

    def successor(self, terms: Terms) -> Terms | None:
        """The terms that follow ``terms``, if any are known."""
        later = [
            t
            for t in self.terms
            if terms.valid_to and t.valid_from and t.valid_from > terms.valid_to
        ]
        return later[0] if later else None

    def terms_now_and_later(self, day: date) -> tuple[Terms, ...]:
        """The terms in force on ``day`` and any that start later (what applicants plan by)."""
        return tuple(t for t in self.terms if t.valid_to is None or t.valid_to >= day)


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
    closes: str = "23:59"
    """Local time by which a certificate due on a day is due (the desk's closing time)."""


@dataclass(frozen=True)
class TimeFramePolicy:
    max_days: int
    transport_modes: frozenset[str]
    origin_countries: frozenset[str]
    supplement: Decimal
    report_actuals_days_before_end: int
    description: str


@dataclass(frozen=True)
class MultipleShipmentsPolicy:
    max_days: int
    supplement: Decimal
    report_actuals_days_after_shipment: int
    description: str


@dataclass(frozen=True)
class AmendmentPolicy:
    fee: Decimal
    description: str
    locked_after_departure: tuple[str, ...]
    """JSON pointers, ``*`` standing for every item of a list."""
    sources: tuple[str, ...]


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
class PublicationPolicy:
    """Who may read each field of a certificate record (data/publication.yaml)."""

    fields: dict[str, str]
    status: dict[str, str]
    consentable: frozenset[str]
    sources: tuple[str, ...]

    @property
    def public_fields(self) -> frozenset[str]:
        return frozenset(k for k, audience in self.fields.items() if audience == "public")

    def visible(self, consent: PublicationConsent | None) -> frozenset[str]:
        """The record fields the public sees: the public ones, and those a client consented
        to publish among the consentable holder fields."""
        consented = consent.fields & self.consentable if consent else frozenset()
        return self.public_fields | frozenset(
            field for field in consented if self.fields.get(field) == "holder"
        )


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
    multiple_shipments: MultipleShipmentsPolicy
    amendments: AmendmentPolicy
    records: Records
    trainings: tuple[Training, ...]
    publication: PublicationPolicy

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
        multiple_shipments=_multiple_shipments(services["multiple_shipments_policy"]),
        amendments=_amendments(services["amendment_policy"]),
        records=_records(documents["records"].data),
        trainings=tuple(_training(t) for t in documents["trainings"].data["trainings"]),
        publication=_publication(documents["publication"].data),
    )


def _publication(data: dict[str, Any]) -> PublicationPolicy:
    return PublicationPolicy(
        fields=dict(data["fields"]),
        status=dict(data["status"]),
        consentable=frozenset(data["consentable"]),
        sources=tuple(data["sources"]),
    )


def _consent(data: dict[str, Any] | None) -> PublicationConsent | None:
    if data is None:
        return None
    return PublicationConsent(
        frozenset(data["fields"]), date.fromisoformat(data["given_on"]), data["kept_in"]
    )


def _money(value: float) -> Decimal:
    return Decimal(str(value))


OUTSIDE = "github:"
"""``prepared_by`` of a request filed by someone outside the staff: ``github:<login>``."""


def staff_members(listed: list[Any]) -> dict[str, StaffMember]:
    """data/certifier.yaml's ``staff`` by handle (entries without a handle left out)."""
    return {
        str(s["handle"]): StaffMember(
            str(s["handle"]),
            str(s.get("name", "")),
            frozenset(s.get("roles", [])),
            str(s.get("github", "")),
        )
        for s in listed
        if isinstance(s, dict) and "handle" in s
    }


def member_with_login(staff: dict[str, StaffMember], login: str) -> StaffMember | None:
    """The staff member who approves pull requests as GitHub ``login`` (logins compare
    case-insensitively, as GitHub's do)."""
    wanted = login.casefold()
    return next((m for m in staff.values() if m.github.casefold() == wanted), None)


def _certifier(data: dict[str, Any]) -> Certifier:
    staff = staff_members(data["staff"])
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
        postal_address=PostalAddress(
            street=data["address"]["street"],
            city=data["address"]["city"],
            region=data["address"].get("state"),
            postal_code=data["address"]["postal_code"],
            country=data["address"]["country"],
        ),
        accreditations=tuple(
            Accreditation(
                a["program"], a["title"], date.fromisoformat(a["since"]), a.get("reference")
            )
            for a in data["accreditations"]
        ),
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
            CertifiedItem(
                i["name_as_labeled"],
                i["scope"],
                i["category"],
                tuple(i["hs_headings"]),
                i.get("animal"),
            )
            for i in data["certified_items"]
        ),
        addendum_markets=frozenset(addendum["markets"]) if addendum else None,
        address=PostalAddress(
            street=data.get("street"),
            city=data.get("city"),
            region=data.get("region"),
            postal_code=data.get("postal_code"),
            country=data["country"],
        ),
        publication_consent=_consent(data.get("publication_consent")),
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
    origins = data.get("produced_in")
    animals = data.get("animals")
    return Requirement(
        data["id"],
        " ".join(data.get("text", "").split()),
        frozenset(categories) if categories else None,
        frozenset(origins) if origins else None,
        frozenset(animals) if animals else None,
    )


def _market(data: dict[str, Any]) -> Market:
    return Market(
        id=data["id"],
        name=data["name"],
        countries=frozenset(data["countries"]),
        document_type=data["document_type"],
        tariff_code=data["tariff_code"],
        requires_addendum=data["requires_addendum"],
        notes=" ".join(data.get("notes", "").split()),
        terms=tuple(sorted((_terms(t) for t in data["terms"]), key=_start)),
        lot_weights_required=data.get("lot_weights_required", False),
        importer_control_body_required=data.get("importer_control_body_required", False),
    )


def _start(terms: Terms) -> date:
    return terms.valid_from or date.min


def _terms(data: dict[str, Any]) -> Terms:
    allowed = data.get("allowed_categories")
    claims = data.get("claims")
    return Terms(
        valid_from=_day(data.get("valid_from")),
        valid_to=_day(data.get("valid_to")),
        arrangement=data.get("arrangement"),
        procedure=" ".join(data["procedure"].split()) if data.get("procedure") else None,
        sources=tuple(data["sources"]),
        origin=data["origin"],
        claims=frozenset(claims) if claims is not None else None,
        min_organic_percent=data.get("min_organic_percent"),
        allowed_categories=frozenset(allowed) if allowed is not None else None,
        excluded_categories=frozenset(data.get("excluded_categories", ())),
        statements=tuple(_requirement(s) for s in data["statements"]),
        attestations=tuple(_requirement(a) for a in data["attestations"]),
        notes=" ".join(data.get("notes", "").split()),
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _calendar(data: dict[str, Any]) -> CalendarSettings:
    closures = tuple(
        (date.fromisoformat(c["date"]), c["reason"]) for c in data.get("office_closures", ())
    )
    return CalendarSettings(
        data["holidays_country"],
        data["timezone"],
        data["cutoff"],
        closures,
        data.get("closes", "23:59"),
    )


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


def _multiple_shipments(data: dict[str, Any]) -> MultipleShipmentsPolicy:
    return MultipleShipmentsPolicy(
        max_days=data["max_days"],
        supplement=_money(data["supplement"]),
        report_actuals_days_after_shipment=data["report_actuals_days_after_shipment"],
        description=" ".join(data["description"].split()),
    )


def _amendments(data: dict[str, Any]) -> AmendmentPolicy:
    return AmendmentPolicy(
        fee=_money(data["fee"]),
        description=" ".join(data["description"].split()),
        locked_after_departure=tuple(data["locked_after_departure"]),
        sources=tuple(data["sources"]),
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
