"""Rules on dates and time-frame certificates: request before departure, validity periods within
the certifier's policy, and shipments recorded against the designated quantity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from generator.check.rules.registry import Context, Entry, Problem, RepositoryProblem, rule
from generator.findings import Severity, shown


@rule("T401")
def request_before_departure(context: Context) -> Iterator[Problem]:
    """The request was received before the goods leave.

    Exporters must request a NOP Import Certificate before export (7 CFR 205.273(a)), and
    an EU certificate of inspection cannot be issued once the consignment has left; a
    request received after the departure (or after a time-frame's first day) cannot be
    met.

    An amendment (``supersedes``) corrects a certificate that existed before the departure
    and is exempt: T410 makes sure that, made after the departure, it changes nothing the
    departure fixed.

    Source: 7 CFR 205.273(a) (request the certificate before export); AMS, European Union
    page (a certificate of inspection issued after departure risks refusal).

    Fix: check the dates; goods that already left must be entered as non-organic.
    """
    if context.data.get("supersedes"):
        return
    window = context.request.shipping_window
    received = context.facts.received.date()
    if window is None or received <= window[0]:
        return
    if context.request.is_time_frame:
        yield Problem(
            "/time_frame/valid_from",
            f"the validity starts on {window[0]}, before the "
            f"request was received on {received}; start it "
            "on or after the request",
        )
    else:
        yield Problem(
            "/transport/departure_date",
            f"the goods leave on {window[0]}, before the "
            f"request was received on {received}; a "
            "certificate cannot be issued afterwards",
        )


@rule("T402")
def validity_ends_after_start(context: Context) -> Iterator[Problem]:
    """A time-frame certificate's validity ends after it starts.

    Source: certgen: a period must end after it starts (AMS allows certificates for a
    specific time frame).

    Fix: swap or correct ``valid_from`` and ``valid_to``.
    """
    validity = context.request.validity
    if validity and validity[1] <= validity[0]:
        yield Problem(
            "/time_frame/valid_to", f"valid_to {validity[1]} must be after valid_from {validity[0]}"
        )


@rule("T403")
def validity_within_policy_maximum(context: Context) -> Iterator[Problem]:
    """A time-frame certificate's validity is no longer than the certifier's maximum, unless a
    reviewer approved an exception.

    AMS lets certifiers issue NOP Import Certificates for "a specific time frame and volume"
    depending on their oversight; the length is this certifier's policy, not a regulation
    (data/services.yaml, time_frame_policy.max_days). A reviewer may approve a longer
    period for a stated reason (``policy_exception``).

    Source: certifier policy: data/services.yaml, time_frame_policy.max_days; AMS,
    Electronic Organic Import Certificates (single shipment, multiple shipments or a
    specific time frame, depending on the certifier's oversight).

    Fix: shorten the period, request a new certificate for the rest of the season, or ask
    a reviewer to record an exception (``policy_exception`` with reason, approved_by and
    approved_on).
    """
    validity = context.request.validity
    maximum = context.ref.time_frame.max_days
    if validity is None or context.request.policy_exception:
        return
    days = (validity[1] - validity[0]).days + 1
    if days > maximum:
        yield Problem(
            "/time_frame/valid_to",
            f"the validity covers {days} days; the certifier's policy allows {maximum} "
            "(data/services.yaml, time_frame_policy.max_days): shorten it, or ask a reviewer "
            "to record a policy_exception",
        )


@rule("T404")
def time_frame_transport_allowed(context: Context) -> Iterator[Problem]:
    """A time-frame certificate uses a transport mode the certifier's policy allows, unless a
    reviewer approved an exception.

    This certifier issues time-frame certificates for frequent overland shipments, which it
    can oversee; no regulation limits the transport mode (AMS leaves it to the certifier's
    oversight).

    Source: certifier policy: data/services.yaml, time_frame_policy.transport_modes.

    Fix: request a single-shipment or multiple-shipment certificate instead, or ask a
    reviewer to record a ``policy_exception``.
    """
    if not context.request.is_time_frame or context.request.policy_exception:
        return
    mode = context.request.transport["mode"]
    allowed = context.ref.time_frame.transport_modes
    if mode not in allowed:
        yield Problem(
            "/transport/mode",
            f"the certifier's policy issues time-frame certificates for "
            f"{' and '.join(sorted(allowed))} shipments, not {mode} "
            "(data/services.yaml, time_frame_policy.transport_modes): use mode: "
            "multiple_shipments or single_shipment, or ask a reviewer to record a "
            "policy_exception",
        )


@rule("T405")
def time_frame_origin_allowed(context: Context) -> Iterator[Problem]:
    """A time-frame certificate covers products from an origin the certifier's policy allows,
    unless a reviewer approved an exception.

    The policy limits time-frame certificates to the land-border trade they were created
    for; no regulation limits the origin.

    Source: certifier policy: data/services.yaml, time_frame_policy.origin_countries.

    Fix: request single-shipment or multiple-shipment certificates for products from other
    origins, or ask a reviewer to record a ``policy_exception``.
    """
    if not context.request.is_time_frame or context.request.policy_exception:
        return
    allowed = context.ref.time_frame.origin_countries
    for index, product in enumerate(context.request.products):
        if product["produced_in"] not in allowed:
            yield Problem(
                f"/products/{index}/produced_in",
                "the certifier's policy issues time-frame certificates for products from "
                f"{', '.join(sorted(allowed))}, not {product['produced_in']} "
                "(data/services.yaml, time_frame_policy.origin_countries); ask a reviewer "
                "to record a policy_exception if the oversight allows it",
            )


@rule("T406")
def shipments_within_designated_quantity(context: Context) -> Iterator[Problem]:
    """The shipments recorded under a multiple-shipment or time-frame certificate never
    exceed its quantity.

    Such a certificate authorises a designated total net weight; CBP and NOP reconcile the
    entries against it. The finding points at the first shipment that takes the total over.

    Source: AMS, Electronic Organic Import Certificates (a specific time frame and volume);
    certifier practice (PACS: actual net weight per shipment reconciled against the
    estimate).

    Fix: the excess needs a new certificate; correct the recorded weights if they are
    wrong.
    """
    if not context.request.records_shipments:
        return
    designated = Decimal(str(context.request.products[0]["net_weight_kg"]))
    total = Decimal(0)
    for index, shipment in enumerate(context.data.get("shipments", ())):
        total += Decimal(str(shipment["net_weight_kg"]))
        if total > designated:
            yield Problem(
                f"/shipments/{index}/net_weight_kg",
                f"shipments reach {total:,} kg, over the designated {designated:,} kg",
            )
            return


@rule("T407")
def shipments_within_validity(context: Context) -> Iterator[Problem]:
    """Each shipment recorded under a certificate left within the period it covers.

    A time-frame certificate covers shipments within its validity; a multiple-shipment
    certificate, shipments from its planned first departure to the end of the period the
    certifier's policy allows (data/services.yaml, multiple_shipments_policy.max_days),
    unless a reviewer approved an exception.

    Source: AMS, Electronic Organic Import Certificates; certifier policy:
    data/services.yaml, multiple_shipments_policy.max_days.

    Fix: correct the date; a shipment outside the period is not covered by the certificate.
    """
    period = _covered_period(context)
    if period is None:
        return
    first, last = period
    for index, shipment in enumerate(context.data.get("shipments", ())):
        shipped = date.fromisoformat(shipment["shipped_on"])
        if not first <= shipped <= last:
            yield Problem(
                f"/shipments/{index}/shipped_on",
                f"shipped on {shipped}, outside the period the certificate covers, "
                f"{first} to {last}",
            )


def _covered_period(context: Context) -> tuple[date, date] | None:
    request = context.request
    if request.validity is not None:
        return request.validity
    if not request.is_multiple_shipments or request.departure_date is None:
        return None
    if request.policy_exception:
        return request.departure_date, date.max
    days = context.ref.multiple_shipments.max_days
    return request.departure_date, request.departure_date + timedelta(days=days - 1)


@rule("T411")
def policy_exception_approved_by_reviewer(context: Context) -> Iterator[Problem]:
    """A policy exception is approved by a listed reviewer who did not prepare the request,
    between the request's receipt and the certificate's issuance.

    Exceptions to the certifier's own limits for an import mode are decisions, so they take
    the same four eyes as issuance (ISO/IEC 17065, 7.6: the decision is made by someone who
    was not involved in the evaluation).

    Source: certifier policy: data/certifier.yaml, staff roles; ISO/IEC 17065:2012, 7.6.

    Fix: have a reviewer who did not prepare the request approve the exception, and write
    their handle under ``policy_exception.approved_by``.
    """
    exception = context.request.policy_exception
    if exception is None:
        return
    approver = exception["approved_by"]
    member = context.ref.certifier.staff.get(approver)
    if member is None or "reviewer" not in member.roles:
        reviewers = sorted(
            h for h, s in context.ref.certifier.staff.items() if "reviewer" in s.roles
        )
        yield Problem(
            "/policy_exception/approved_by",
            f"{shown(approver)} is not a listed reviewer (data/certifier.yaml); "
            f"reviewers: {', '.join(reviewers)}",
        )
    elif approver == context.ref.certifier.preparer_handle(str(context.data["prepared_by"])):
        yield Problem(
            "/policy_exception/approved_by",
            f"{approver} prepared this request and may not approve an exception to it; "
            "another reviewer must",
        )
    approved = date.fromisoformat(exception["approved_on"])
    received = context.facts.received.date()
    issued = context.request.issued_on
    if approved < received or (issued is not None and approved > issued):
        window = f"between {received} and {issued}" if issued else f"on or after {received}"
        yield Problem(
            "/policy_exception/approved_on",
            f"the exception is dated {approved}; it is approved {window} (after the request "
            "is received, before the certificate is issued)",
        )


@rule("T408", Severity.WARNING)
def turnaround_before_departure(context: Context) -> Iterator[Problem]:
    """The chosen service level delivers the certificate before the goods leave.

    The due date is counted in business days from the day the clock starts (weekends, US
    federal holidays and office closures skipped; after the daily cut-off, from the next
    business day). A certificate due after the departure may come too late.

    Amendments (``supersedes``) are exempt: the certificate they correct already exists,
    and T410 keeps an amendment made after departure from changing the shipment.

    Source: certifier policy: data/services.yaml, service_levels and business_calendar.

    Fix: choose a faster service level or a later departure (``certgen show`` prints the
    due date).
    """
    if context.data.get("supersedes"):
        return
    due, level = context.facts.due, context.facts.service_level
    window = context.request.shipping_window
    if context.request.status != "requested" or due is None or level is None or window is None:
        return
    if window[0] >= context.facts.received.date() and due > window[0]:
        pointer = (
            "/time_frame/valid_from"
            if context.request.is_time_frame
            else "/transport/departure_date"
        )
        yield Problem(
            pointer,
            f"the {level.title.lower()} service is due "
            f"{due}, after {window[0]}; choose a faster service level",
        )


@rule("T410", scope="repository")
def amendment_after_departure_keeps_what_left(entries: list[Entry]) -> Iterator[RepositoryProblem]:
    """An amendment made after the goods left changes nothing the departure fixed.

    Once the goods have left, a certificate can no longer be issued for them (7 CFR
    205.273(a); an EU certificate of inspection issued after departure risks refusal), so an
    amendment made then may only correct what does not change the shipment: the spelling
    of names and addresses, descriptions, packages, gross weight, transport details,
    documents. The products as labeled, their quantities, lots, tariff codes, claims and
    origin, the destination, the dates and who the parties are (the exporter; the
    importer's operation ID, registration or country) stay as issued (data/services.yaml,
    amendment_policy.locked_after_departure). Before the departure an amendment may change
    anything, and is checked like a new request.

    Source: 7 CFR 205.273(a); AMS, European Union page; Delegated Regulation (EU)
    2021/2306, Article 5(3) (packages, gross weight and transport may be completed within
    10 days); certifier policy: data/services.yaml, amendment_policy.

    Fix: restore the value of the certificate it supersedes. If the shipment itself was
    not what the certificate says, it cannot be corrected after departure: cancel the
    certificate; the goods must be entered as non-organic.
    """
    by_id = {entry.id: entry for entry in entries}
    for amendment in entries:
        original = by_id.get(amendment.supersedes or "")
        if original is None or original is amendment:
            continue
        when = amendment.issued_on or amendment.received
        leaves = min(day for day in (original.leaves, amendment.leaves, "9999-12-31") if day)
        if when is None or when <= leaves:
            continue
        before, after = dict(original.locked), dict(amendment.locked)
        for pointer in sorted(set(before) | set(after), key=_pointer_order):
            if before.get(pointer) != after.get(pointer):
                change = "removes" if pointer not in after else "changes"
                yield RepositoryProblem(
                    amendment,
                    pointer if pointer in after else "/supersedes",
                    f"this amendment of {original.id}, made on {when} after the goods left on "
                    f"{leaves}, {change} {pointer}; after departure only the spelling of "
                    "names and addresses, descriptions, packages, transport details and "
                    "documents may be corrected (data/services.yaml, amendment_policy)",
                )


def _pointer_order(pointer: str) -> list[tuple[int, str]]:
    """Pointers in document order: list items by number, not as text."""
    return [(0, part.zfill(9)) if part.isdigit() else (1, part) for part in pointer.split("/")]


@rule("T412")
def shipments_name_transport_document(context: Context) -> Iterator[Problem]:
    """Each shipment recorded against a multiple-shipment or time-frame certificate names its
    transport document.

    The certificate covers several shipments; the bill of lading, air waybill or waybill of
    each is what ties a shipment to it when CBP and NOP reconcile the entries against the
    designated quantity, and what the certificate prints for each shipment.

    Source: certifier policy: data/services.yaml, multiple_shipments_policy and
    time_frame_policy (each shipment recorded with its transport document); PACS (actual
    net weight and shipping details reported per shipment).

    Fix: add ``transport_document: {type: bill_of_lading, number: ...}`` to the shipment.
    """
    if not context.request.records_shipments:
        return
    for index, shipment in enumerate(context.data.get("shipments", ())):
        if "transport_document" not in shipment:
            yield Problem(
                f"/shipments/{index}",
                f"the shipment of {shipment['shipped_on']} names no transport document; add "
                "transport_document with its type and number",
            )


FAR_AHEAD_DAYS = 365
"""How far after the request a departure is believable; beyond it, a mistyped year is likelier."""


@rule("T413", Severity.WARNING)
def departure_within_a_year(context: Context) -> Iterator[Problem]:
    """The goods leave within a year of the request.

    A certificate is requested for a shipment being prepared; a departure (or a validity
    period's first day) more than a year after the request is most often a mistyped year
    (2062 for 2026), which no other rule would notice, and a certificate would carry it.

    Source: certifier policy: certgen's ``FAR_AHEAD_DAYS`` (365 days); 7 CFR 205.273(a) ties
    an import certificate to its shipment.

    Fix: check the year of the departure date (or of ``time_frame.valid_from``); if the
    shipment really leaves more than a year from now, request the certificate nearer the time.
    """
    window = context.request.shipping_window
    if window is None or context.facts is None or context.request.status != "requested":
        return
    received = context.facts.received.date()
    if (window[0] - received).days > FAR_AHEAD_DAYS:
        pointer = (
            "/time_frame/valid_from" if context.request.validity else "/transport/departure_date"
        )
        yield Problem(
            pointer,
            f"the goods leave on {window[0]}, more than a year after the request ({received}): "
            "is the year right?",
        )
