"""The decide stage: document types, business-day due dates, fees."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from generator.check.decide import BusinessCalendar, decide
from generator.check.load import load_file
from generator.check.pipeline import Checker
from generator.check.reference_data import CalendarSettings
from generator.check.request import Request
from generator.project import Project
from tests.helpers import ROOT

CALENDAR = BusinessCalendar(
    CalendarSettings("US", "America/Los_Angeles", "11:00", ((date(2026, 12, 24), "closed"),))
)
LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("day", "closure"),
    [
        (date(2026, 11, 26), "Thanksgiving Day"),
        (date(2026, 7, 3), "Independence Day (observed)"),
        (date(2026, 1, 19), "Martin Luther King Jr. Day"),
        (date(2026, 12, 24), "closed"),
        (date(2026, 11, 28), "weekend"),
        (date(2026, 11, 27), None),
    ],
)
def test_closures(day: date, closure: str | None) -> None:
    assert CALENDAR.closure(day) == closure


@pytest.mark.parametrize(
    ("received", "start"),
    [
        (datetime(2026, 11, 24, 10, 59, tzinfo=LA), date(2026, 11, 24)),
        (datetime(2026, 11, 24, 11, 1, tzinfo=LA), date(2026, 11, 25)),
        (datetime(2026, 11, 25, 11, 30, tzinfo=LA), date(2026, 11, 27)),  # Thanksgiving skipped
        (datetime(2026, 11, 28, 9, 0, tzinfo=LA), date(2026, 11, 30)),  # Saturday
        (datetime.fromisoformat("2026-11-24T18:30:00+00:00"), date(2026, 11, 24)),  # 10:30 LA
    ],
)
def test_clock_starts_on_the_right_business_day(received: datetime, start: date) -> None:
    assert CALENDAR.clock_start(received) == start


def test_business_days_skip_weekends_holidays_and_closures() -> None:
    assert CALENDAR.add_business_days(date(2026, 11, 20), 5) == date(2026, 11, 30)
    assert CALENDAR.add_business_days(date(2026, 12, 22), 3) == date(2026, 12, 29)


def facts_of(relative: str):  # type: ignore[no-untyped-def]
    checker = Checker(Project(ROOT))
    assert checker.reference is not None
    document = load_file(ROOT / relative, relative).document
    assert document is not None
    return decide(Request(document), checker.reference)


def test_import_facts() -> None:
    facts = facts_of("requests/2026/IC-2026-0001.yaml")
    assert facts.document_type.id == "nop_import_certificate"
    assert facts.market is None
    assert facts.due == date(2026, 1, 20)  # 5 business days, MLK Day skipped
    assert facts.fee is not None and facts.fee.total == Decimal(75)


def test_time_frame_fee_has_its_supplement() -> None:
    facts = facts_of("requests/2026/IC-2026-0002.yaml")
    assert facts.fee is not None
    assert facts.fee.total == Decimal(110) + Decimal(40)


@pytest.mark.parametrize(
    ("path", "document_type", "market", "statements"),
    [
        ("requests/2026/EC-2026-0001.yaml", "traces_coi", "EU", []),
        ("requests/2026/EC-2026-0002.yaml", "traces_coi", "XI", []),
        ("requests/2026/EC-2026-0004.yaml", "gb_coi", "GB", []),
        ("requests/2026/EC-2026-0005.yaml", "tm11", "JP", ["us_japan_arrangement"]),
        ("requests/2026/EC-2026-0006.yaml", "tm11", "TW", ["tw_aittecro_arrangement"]),
        ("requests/2026/EC-2026-0007.yaml", "naqs_certificate", "KR", ["us_korea_arrangement"]),
        ("requests/2026/EC-2026-0008.yaml", "canada_attestation", "CA", ["us_canada_arrangement"]),
        ("requests/2026/EC-2026-0012.yaml", "transaction_certificate", "OTHER", []),
    ],
)
def test_export_document_follows_destination(
    path: str, document_type: str, market: str, statements: list[str]
) -> None:
    facts = facts_of(path)
    assert facts.document_type.id == document_type
    assert facts.market is not None and facts.market.id == market
    assert [s.id for s in facts.statements] == statements


def test_traces_supplement_and_eu_attestation() -> None:
    facts = facts_of("requests/2026/EC-2026-0001.yaml")
    assert facts.fee is not None and facts.fee.total == Decimal(75) + Decimal(15)
    assert facts.attestations == ("no_prohibited_fumigation", "no_irradiation", "no_antibiotics")
