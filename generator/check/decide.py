"""Decide stage: the facts derived from a request and the reference data.

Which document the destination requires, the statements and attestations it must carry, the
fee, and the due date counted in business days (weekends, public holidays from the
``holidays`` package and office closures skipped; requests after the daily cut-off start the
next business day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from generator.check.holiday_table import holidays_of
from generator.check.reference_data import (
    CalendarSettings,
    DocumentType,
    Market,
    Reference,
    Requirement,
    ServiceLevel,
    Terms,
)
from generator.check.request import Request

IMPORT_DOCUMENT = "nop_import_certificate"


@dataclass(frozen=True)
class Fee:
    currency: str
    lines: tuple[tuple[str, Decimal], ...]

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.lines), Decimal(0))


Profile = tuple[frozenset[str], str, str | None]
"""What requirements look at in a product: its kinds (category, and livestock_product for a
product of animal origin), its country of production and its animal (ruminant or not)."""


@dataclass(frozen=True)
class Facts:
    document_type: DocumentType
    market: Market | None
    service_level: ServiceLevel | None
    received: datetime
    clock_starts: date
    due: date | None
    fee: Fee | None
    terms: Terms | None = None
    """The market's terms in force on the departure date (None for imports, or when no
    terms cover that date)."""
    profiles: tuple[Profile, ...] = field(default=())
    """Each product line's profile (kinds, origin, animal), in the request's order."""
    statements: tuple[Requirement, ...] = field(default=())
    attestations: tuple[str, ...] = field(default=())


class BusinessCalendar:
    """Business days of the certificate desk."""

    def __init__(self, settings: CalendarSettings) -> None:
        self.settings = settings
        self.office_closures = dict(settings.office_closures)
        self.zone = ZoneInfo(settings.timezone)
        hours, minutes = settings.cutoff.split(":")
        self.cutoff = time(int(hours), int(minutes))

    def closure(self, day: date) -> str | None:
        """Why the office is closed on ``day``, or None on a business day."""
        if day.weekday() >= 5:
            return "weekend"
        holiday = holidays_of(self.settings.holidays_country, day.year).get(day)
        return holiday or self.office_closures.get(day)

    def is_business_day(self, day: date) -> bool:
        return self.closure(day) is None

    def next_business_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def add_business_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.next_business_day(day)
        return day

    def due_at(self, day: date) -> datetime:
        """When a certificate due on ``day`` is due: the desk's closing time that day."""
        hours, minutes = self.settings.closes.split(":")
        return datetime.combine(day, time(int(hours), int(minutes)), self.zone)

    def clock_start(self, received: datetime) -> date:
        """The business day on which work on a request received at ``received`` starts."""
        local = received.astimezone(self.zone)
        day = local.date()
        if self.is_business_day(day) and local.time() <= self.cutoff:
            return day
        return self.next_business_day(day)


@lru_cache(maxsize=8)
def calendar_for(settings: CalendarSettings) -> BusinessCalendar:
    return BusinessCalendar(settings)


def market_of(request: Request, ref: Reference) -> Market | None:
    return None if request.is_import else ref.market_for(request.destination_country)


def terms_date(request: Request) -> date | None:
    """The day whose arrangement terms apply: the export's departure from the United States."""
    departure = request.data.get("transport", {}).get("departure_date")
    try:
        return date.fromisoformat(departure) if isinstance(departure, str) else None
    except ValueError:
        return None


def decide(request: Request, ref: Reference) -> Facts:
    market = market_of(request, ref)
    document_type = ref.document_types[market.document_type if market else IMPORT_DOCUMENT]
    level = ref.service_levels.get(str(request.data["service_level"]))
    calendar = calendar_for(ref.calendar)
    received = request.requested_at.astimezone(calendar.zone)
    start = calendar.clock_start(received)
    # a draft without its departure date yet: the terms in force when it was received, so
    # that what the destination will refuse shows at once (the departure date decides)
    day = terms_date(request) or received.date()
    terms = market.terms_on(day) if market else None
    products = tuple(product_profile(p, request, ref) for p in request.products)
    return Facts(
        document_type=document_type,
        market=market,
        service_level=level,
        received=received,
        clock_starts=start,
        due=calendar.add_business_days(start, level.business_days) if level else None,
        fee=_fee(request, ref, document_type, level),
        terms=terms,
        profiles=products,
        statements=required_for(terms.statements if terms else (), products),
        attestations=_required_attestations(ref, terms, products),
    )


def product_profile(product: dict[str, Any], request: Request, ref: Reference) -> Profile:
    """A product line's profile; the exporter's certified item says whether it is of animal
    origin (cheese is a processed food and a livestock product)."""
    category = str(product["category"])
    operation = ref.operations.get(str(request.exporter.get("operation_id")))
    item = operation.item(str(product["name_as_labeled"])) if operation else None
    animal = item.animal if item else None
    kinds = frozenset({category, "livestock_product"} if animal else {category})
    return kinds, str(product["produced_in"]), animal


def required_for(
    requirements: tuple[Requirement, ...], products: tuple[Profile, ...]
) -> tuple[Requirement, ...]:
    """The requirements that apply to at least one of the products."""
    return tuple(r for r in requirements if any(r.applies_to(*p) for p in products))


def _required_attestations(
    ref: Reference, terms: Terms | None, products: tuple[Profile, ...]
) -> tuple[str, ...]:
    always = [a.id for a in ref.records.attestations.values() if a.always_required]
    specific = [a.id for a in required_for(terms.attestations if terms else (), products)]
    return tuple(dict.fromkeys(always + specific))


def _fee(
    request: Request, ref: Reference, document_type: DocumentType, level: ServiceLevel | None
) -> Fee | None:
    if level is None:
        return None
    lines = [_service_line(request, ref, level)]
    supplement = ref.document_supplements.get(document_type.id)
    if supplement:
        lines.append((document_type.title, supplement))
    if request.is_time_frame:
        lines.append(("Time-frame certificate", ref.time_frame.supplement))
    if request.is_multiple_shipments:
        lines.append(("Multiple-shipment certificate", ref.multiple_shipments.supplement))
    return Fee(ref.currency, tuple(lines))


def _service_line(request: Request, ref: Reference, level: ServiceLevel) -> tuple[str, Decimal]:
    """The service fee; an amendment at the slowest level costs the amendment fee instead."""
    if not request.is_amendment:
        return f"{level.title} service", level.fee
    slowest = max(ref.service_levels.values(), key=lambda s: s.business_days)
    if level.id == slowest.id:
        return "Amendment", ref.amendments.fee
    return f"Amendment, {level.title.lower()} service", level.fee
