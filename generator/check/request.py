"""A read-only view of one schema-valid request, with typed accessors for the rules and decide."""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property
from typing import Any

from generator.check.document import Document


class Request:
    """Typed access to a request that passed the schema: required fields are present.

    Accessors return the loaded values themselves, not copies: rules only read them.
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        self.data: dict[str, Any] = document.data

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def kind(self) -> str:
        return str(self.data["kind"])

    @property
    def is_import(self) -> bool:
        return self.kind == "import"

    @property
    def is_time_frame(self) -> bool:
        return self.data.get("mode") == "time_frame"

    @property
    def is_multiple_shipments(self) -> bool:
        return self.data.get("mode") == "multiple_shipments"

    @property
    def records_shipments(self) -> bool:
        """Whether shipments are recorded against a designated quantity."""
        return self.is_time_frame or self.is_multiple_shipments

    @property
    def is_amendment(self) -> bool:
        return bool(self.data.get("supersedes"))

    @property
    def policy_exception(self) -> dict[str, Any] | None:
        exception: dict[str, Any] | None = self.data.get("policy_exception")
        return exception

    @property
    def status(self) -> str:
        return str(self.data["status"])

    @property
    def products(self) -> list[dict[str, Any]]:
        products: list[dict[str, Any]] = self.data["products"]
        return products

    @property
    def exporter(self) -> dict[str, Any]:
        exporter: dict[str, Any] = self.data["exporter"]
        return exporter

    @property
    def destination_country(self) -> str:
        return str(self.data["destination"]["country"])

    @property
    def transport(self) -> dict[str, Any]:
        transport: dict[str, Any] = self.data["transport"]
        return transport

    @cached_property
    def requested_at(self) -> datetime:
        return datetime.fromisoformat(self.data["requested_at"])

    @cached_property
    def departure_date(self) -> date | None:
        raw = self.transport.get("departure_date")
        return date.fromisoformat(raw) if raw else None

    @cached_property
    def validity(self) -> tuple[date, date] | None:
        period = self.data.get("time_frame")
        if not period:
            return None
        return date.fromisoformat(period["valid_from"]), date.fromisoformat(period["valid_to"])

    @property
    def shipping_window(self) -> tuple[date, date] | None:
        """The days on which goods may leave under this certificate."""
        if self.validity:
            return self.validity
        if self.departure_date:
            return self.departure_date, self.departure_date
        return None

    @property
    def issuance(self) -> dict[str, Any] | None:
        issuance: dict[str, Any] | None = self.data.get("issuance")
        return issuance

    @cached_property
    def issued_on(self) -> date | None:
        issuance = self.issuance
        return date.fromisoformat(issuance["issued_on"]) if issuance else None

    @property
    def documents(self) -> list[dict[str, Any]]:
        documents: list[dict[str, Any]] = self.data["documents"]
        return documents

    @property
    def attestations(self) -> dict[str, bool]:
        attestations: dict[str, bool] = self.data["attestations"]
        return attestations
