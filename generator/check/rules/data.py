"""Integrity rules on the reference data in data/: what the schemas alone cannot check."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator
from functools import cache
from itertools import pairwise
from typing import Any

from generator.check import holiday_table
from generator.check.document import Document
from generator.check.rules.registry import DataProblem, rule
from generator.findings import shown

Data = dict[str, Document]


@rule("A701", scope="data")
def operation_ids_unique(data: Data) -> Iterator[DataProblem]:
    """Each operation appears once in the OID snapshot.

    Two records with one operation ID would make status checks depend on which one is read.

    Source: certgen: the integrity of the OID snapshot, data/operations.yaml, operations.

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

    Source: certgen: data/operations.yaml, addendum.markets, names markets of
    data/destinations.yaml, markets.

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

    Source: certgen: data/operations.yaml, status_history.

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

    Source: certgen: data/destinations.yaml, markets.

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

    Source: certgen: the references between data/destinations.yaml, data/records.yaml and
    data/services.yaml.

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
        for number, terms in enumerate(market["terms"]):
            for position, attestation in enumerate(terms["attestations"]):
                if attestation["id"] not in attestations:
                    yield DataProblem(
                        "destinations",
                        f"/markets/{index}/terms/{number}/attestations/{position}/id",
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
    """Each staff member is listed once, and each GitHub login belongs to one of them.

    A decision counts only when the decider's GitHub login approved the pull request that
    records it (H910): one account behind two handles would let one person be both the
    preparer and the reviewer.

    Source: certgen: data/certifier.yaml, staff (``handle``, ``github``).

    Fix: merge the entries and their roles.
    """
    handles: set[str] = set()
    logins: dict[str, str] = {}
    for index, member in enumerate(data["certifier"].data["staff"]):
        handle = member["handle"].casefold()
        if handle in handles:
            yield DataProblem(
                "certifier", f"/staff/{index}/handle", f"{member['handle']} is listed twice"
            )
        handles.add(handle)
        login = str(member.get("github", "")).casefold()
        if login and logins.setdefault(login, handle) != handle:
            yield DataProblem(
                "certifier",
                f"/staff/{index}/github",
                f"the GitHub login {member['github']} is also {logins[login]}'s: one account "
                "may act as one person only",
            )


@rule("A707", scope="data")
def market_terms_do_not_overlap(data: Data) -> Iterator[DataProblem]:
    """A market's terms follow one another: each period ends before the next begins.

    The terms in force on the departure date decide what a certificate says; two entries
    in force on the same day would make that ambiguous. An entry without ``valid_from``
    can only be the first, and one without ``valid_to`` only the last.

    Source: certgen: data/destinations.yaml, terms of each market.

    Fix: give the older entry a ``valid_to`` the day before the newer one's ``valid_from``.
    """
    for index, market in enumerate(data["destinations"].data["markets"]):
        periods = sorted(
            (terms.get("valid_from") or "", terms.get("valid_to") or "9999-12-31", number)
            for number, terms in enumerate(market["terms"])
        )
        for start, end, number in periods:
            if start and end < start:
                yield DataProblem(
                    "destinations",
                    f"/markets/{index}/terms/{number}/valid_to",
                    f"valid_to {end} is before valid_from {start}",
                )
        for (_, end, _), (start, _, number) in pairwise(periods):
            if start <= end:
                yield DataProblem(
                    "destinations",
                    f"/markets/{index}/terms/{number}/valid_from",
                    f"these terms start on {start or 'an unknown date'}, while the earlier "
                    f"terms of {market['id']} are in force until {end}",
                )


@rule("A708", scope="data")
def publication_consent_within_policy(data: Data) -> Iterator[DataProblem]:
    """A client's consent to publish names only fields the publication policy lets a client
    publish.

    data/publication.yaml lists the consentable fields, all of them held for the holder by
    default; a consent naming another field (one that is public already, internal, or
    unknown) would be ignored or would publish what must stay internal.

    Source: 7 CFR 205.501(a)(10) (confidentiality of clients' business information);
    certifier policy: data/publication.yaml, consentable.

    Fix: name only fields listed under consentable in data/publication.yaml, or change the
    policy in a reviewed pull request.
    """
    policy = data["publication"].data
    consentable = set(policy["consentable"])
    for name in sorted(consentable):
        if policy["fields"].get(name) != "holder":
            position = policy["consentable"].index(name)
            yield DataProblem(
                "publication",
                f"/consentable/{position}",
                f"{name!r} is not a holder field of the record; only holder fields may be "
                "consented to",
            )
    for index, operation in enumerate(data["operations"].data["operations"]):
        consent = operation.get("publication_consent")
        for position, field in enumerate(consent["fields"] if consent else ()):
            if field not in consentable:
                yield DataProblem(
                    "operations",
                    f"/operations/{index}/publication_consent/fields/{position}",
                    f"{field!r} is not a field a client may consent to publish; consentable: "
                    f"{', '.join(sorted(consentable))}",
                )


@rule("A709", scope="data")
def business_calendar_known(data: Data) -> Iterator[DataProblem]:
    """The business calendar names a time zone and a holiday calendar that exist, and the
    desk closes after its daily cut-off.

    Every due date is counted in the desk's time zone, skipping the public holidays of
    ``holidays_country``; a name the time-zone database or the holidays package does not know
    would leave every due date uncountable.

    Source: certifier policy: data/services.yaml, business_calendar (``timezone``: an IANA
    time zone, <https://www.iana.org/time-zones>; ``holidays_country``: a country the
    ``holidays`` package covers, <https://pypi.org/project/holidays/>).

    Fix: correct the name (for example America/Los_Angeles, US).
    """
    calendar = data["services"].data["business_calendar"]
    zone = calendar["timezone"]
    if zone not in _time_zones():
        close = difflib.get_close_matches(zone, sorted(_time_zones()), n=1, cutoff=0.8)
        hint = f"; did you mean {close[0]}?" if close else " (for example America/Los_Angeles)"
        yield DataProblem(
            "services", "/business_calendar/timezone", f"{shown(zone)} is not a time zone{hint}"
        )
    closes = calendar.get("closes")
    if closes is not None and closes <= calendar["cutoff"]:
        yield DataProblem(
            "services",
            "/business_calendar/closes",
            f"the desk closes at {closes}, not after its daily cut-off ({calendar['cutoff']}): "
            "a request received before the cut-off would be due before it arrived; give a "
            "closing time after the cut-off",
        )
    country = calendar["holidays_country"]
    if not holiday_table.known(country):
        yield DataProblem(
            "services",
            "/business_calendar/holidays_country",
            f"the holidays package has no public holidays for {shown(country)}; use the "
            "country's ISO code (US for US federal holidays)",
        )


@cache
def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())
