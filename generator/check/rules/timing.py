"""Rules on dates and time-frame certificates: request before departure, validity periods within
the certifier's policy, and shipments recorded against the designated quantity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from generator.check.rules.registry import Context, Problem, rule
from generator.findings import Severity


@rule("T401")
def request_before_departure(context: Context) -> Iterator[Problem]:
    """The request was received before the goods leave.

    Exporters must request a NOP Import Certificate before export (7 CFR 205.273(a)), and
    an EU certificate of inspection cannot be issued once the consignment has left; a
    request received after the departure (or after a time-frame's first day) cannot be
    met.

    An amendment (``supersedes``) corrects a certificate that existed before the departure
    and is exempt.

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

    Fix: swap or correct ``valid_from`` and ``valid_to``.
    """
    validity = context.request.validity
    if validity and validity[1] <= validity[0]:
        yield Problem(
            "/time_frame/valid_to", f"valid_to {validity[1]} must be after valid_from {validity[0]}"
        )


@rule("T403")
def validity_within_policy_maximum(context: Context) -> Iterator[Problem]:
    """A time-frame certificate's validity is no longer than the certifier's maximum.

    Time-frame NOP Import Certificates cover "a specific time frame and volume" at the
    certifier's discretion (AMS); this certifier's maximum is set in data/services.yaml
    (time_frame_policy.max_days), as its oversight of the reported shipments requires.

    Fix: shorten the period, or request a new certificate for the rest of the season.
    """
    validity = context.request.validity
    maximum = context.ref.time_frame.max_days
    if validity and (validity[1] - validity[0]).days + 1 > maximum:
        days = (validity[1] - validity[0]).days + 1
        yield Problem(
            "/time_frame/valid_to",
            f"the validity covers {days} days; the most allowed is {maximum} days",
        )


@rule("T404")
def time_frame_transport_allowed(context: Context) -> Iterator[Problem]:
    """A time-frame certificate uses a transport mode the certifier's policy allows.

    Time-frame certificates are meant for frequent overland shipments (AMS; data/services.yaml
    time_frame_policy.transport_modes); other shipments get a single-shipment certificate.

    Fix: request a single-shipment certificate for each shipment instead.
    """
    if not context.request.is_time_frame:
        return
    mode = context.request.transport["mode"]
    allowed = context.ref.time_frame.transport_modes
    if mode not in allowed:
        yield Problem(
            "/transport/mode",
            f"time-frame certificates are issued for "
            f"{' and '.join(sorted(allowed))} shipments, not {mode}; "
            "use mode: single_shipment",
        )


@rule("T405")
def time_frame_origin_allowed(context: Context) -> Iterator[Problem]:
    """A time-frame certificate covers products from an origin the certifier's policy allows.

    The policy (data/services.yaml time_frame_policy.origin_countries) limits time-frame
    certificates to the land-border trade they were created for.

    Fix: request single-shipment certificates for products from other origins.
    """
    if not context.request.is_time_frame:
        return
    allowed = context.ref.time_frame.origin_countries
    for index, product in enumerate(context.request.products):
        if product["produced_in"] not in allowed:
            yield Problem(
                f"/products/{index}/produced_in",
                "time-frame certificates cover "
                f"products from {', '.join(sorted(allowed))}, "
                f"not {product['produced_in']}",
            )


@rule("T406")
def shipments_within_designated_quantity(context: Context) -> Iterator[Problem]:
    """The shipments recorded under a time-frame certificate never exceed its quantity.

    A time-frame certificate authorises a designated total net weight; CBP and NOP reconcile
    the entries against it. The finding points at the first shipment that takes the total
    over.

    Fix: the excess needs a new certificate; correct the recorded weights if they are
    wrong.
    """
    if not context.request.is_time_frame:
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
    """Each shipment recorded under a time-frame certificate left within its validity.

    Fix: correct the date; a shipment outside the period is not covered by the certificate.
    """
    validity = context.request.validity
    if validity is None:
        return
    for index, shipment in enumerate(context.data.get("shipments", ())):
        shipped = date.fromisoformat(shipment["shipped_on"])
        if not validity[0] <= shipped <= validity[1]:
            yield Problem(
                f"/shipments/{index}/shipped_on",
                f"shipped on {shipped}, outside the validity {validity[0]} to {validity[1]}",
            )


@rule("T408", Severity.WARNING)
def turnaround_before_departure(context: Context) -> Iterator[Problem]:
    """The chosen service level delivers the certificate before the goods leave.

    The due date is counted in business days from the day the clock starts (weekends, US
    federal holidays and office closures skipped; after the daily cut-off, from the next
    business day). A certificate due after the departure may come too late.

    Amendments (``supersedes``) are exempt: the certificate they correct already exists.

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
