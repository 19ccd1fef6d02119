"""Integrity rules on the reference data in data/: what the schemas alone cannot check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from generator.check.document import Document
from generator.check.rules.registry import DataProblem, rule

Data = dict[str, Document]


@rule("A701", scope="data")
def operation_ids_unique(data: Data) -> Iterator[DataProblem]:
    """Each operation appears once in the OID snapshot.

    Two records with one operation ID would make status checks depend on which one is read.

    Fix: merge the two records into one.
    """
    operations = data["operations"].data["operations"]
    seen: set[str] = set()
    for index, operation in enumerate(operations):
        if operation["operation_id"] in seen:
            yield DataProblem(
                "operations",
                f"/operations/{index}/operation_id",
                f"operation {operation['operation_id']} is listed twice",
            )
        seen.add(operation["operation_id"])


@rule("A702", scope="data")
def addendum_markets_known(data: Data) -> Iterator[DataProblem]:
    """International Markets Addendum entries name markets of data/destinations.yaml.

    Fix: use a market id from data/destinations.yaml (EU, XI, CH, GB, JP, TW, KR, CA, ...).
    """
    markets = {m["id"] for m in data["destinations"].data["markets"]}
    for index, operation in enumerate(data["operations"].data["operations"]):
        for position, market in enumerate(operation.get("addendum", {}).get("markets", ())):
            if market not in markets:
                yield DataProblem(
                    "operations",
                    f"/operations/{index}/addendum/markets/{position}",
                    f"unknown market {market!r}; markets: {', '.join(sorted(markets))}",
                )


@rule("A703", scope="data")
def status_history_in_order(data: Data) -> Iterator[DataProblem]:
    """An operation's status history is in date order, one status per date.

    The status in effect on a day is the last one that started on or before it; out of
    order entries would give the wrong status.

    Fix: sort the entries by their ``since`` date.
    """
    for index, operation in enumerate(data["operations"].data["operations"]):
        dates = [entry["since"] for entry in operation["status_history"]]
        for position in range(1, len(dates)):
            if dates[position] <= dates[position - 1]:
                yield DataProblem(
                    "operations",
                    f"/operations/{index}/status_history/{position}/since",
                    f"{dates[position]} is not after the previous status's date "
                    f"{dates[position - 1]}",
                )


@rule("A704", scope="data")
def markets_partition_countries(data: Data) -> Iterator[DataProblem]:
    """Each country belongs to one market, and one market catches all other countries.

    The destination country decides the market and so the document; a country in two
    markets would be ambiguous, and without a catch-all market other countries would have
    no document.

    Fix: list each country in one market only; keep exactly one market with no countries.
    """
    markets = data["destinations"].data["markets"]
    counts = Counter(country for market in markets for country in market["countries"])
    for index, market in enumerate(markets):
        for position, country in enumerate(market["countries"]):
            if counts[country] > 1:
                yield DataProblem(
                    "destinations",
                    f"/markets/{index}/countries/{position}",
                    f"{country} is listed in more than one market",
                )
    catch_all = [i for i, m in enumerate(markets) if not m["countries"]]
    if len(catch_all) != 1:
        yield DataProblem(
            "destinations",
            "/markets",
            f"{len(catch_all)} markets have no countries;"
            " exactly one must catch all other countries",
        )


@rule("A705", scope="data")
def data_references_resolve(data: Data) -> Iterator[DataProblem]:
    """Ids that one data file uses are defined where they belong.

    Markets name document types of data/destinations.yaml and attestations of
    data/records.yaml; fee supplements name document types; required documents name
    document kinds of data/records.yaml.

    Fix: correct the id, or define it in the file named in the message.
    """
    destinations = data["destinations"].data
    records = data["records"].data
    document_types = {d["id"] for d in destinations["document_types"]}
    attestations = {a["id"] for a in records["attestations"]}
    kinds = {d["id"] for d in records["documents"]}
    for index, market in enumerate(destinations["markets"]):
        if market["document_type"] not in document_types:
            yield DataProblem(
                "destinations",
                f"/markets/{index}/document_type",
                f"unknown document type {market['document_type']!r}",
            )
        for position, attestation in enumerate(market["attestations"]):
            if attestation["id"] not in attestations:
                yield DataProblem(
                    "destinations",
                    f"/markets/{index}/attestations/{position}/id",
                    f"attestation {attestation['id']!r} is not in data/records.yaml",
                )
    for index, supplement in enumerate(data["services"].data["document_supplements"]):
        if supplement["document_type"] not in document_types:
            yield DataProblem(
                "services",
                f"/document_supplements/{index}/document_type",
                f"unknown document type {supplement['document_type']!r}",
            )
    yield from _kinds_defined(records, kinds)


def _kinds_defined(records: dict[str, Any], kinds: set[str]) -> Iterator[DataProblem]:
    lists: dict[str, list[str]] = {
        "always_required": records["always_required"],
        "manual_review_documents": records["manual_review_documents"],
    }
    for mode, ids in records["transport_documents"].items():
        lists[f"transport_documents/{mode}"] = ids
    for where, ids in lists.items():
        for position, kind in enumerate(ids):
            if kind not in kinds:
                yield DataProblem(
                    "records",
                    f"/{where}/{position}",
                    f"document kind {kind!r} is not defined under documents",
                )


@rule("A706", scope="data")
def staff_handles_unique(data: Data) -> Iterator[DataProblem]:
    """Each staff member is listed once.

    Fix: merge the entries and their roles.
    """
    seen: set[str] = set()
    for index, member in enumerate(data["certifier"].data["staff"]):
        handle = member["handle"].casefold()
        if handle in seen:
            yield DataProblem(
                "certifier", f"/staff/{index}/handle", f"{member['handle']} is listed twice"
            )
        seen.add(handle)
