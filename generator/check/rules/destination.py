"""Rules on the destination of an export: the right document, its statements and attestations."""

from __future__ import annotations

from collections.abc import Iterator

from generator.check.rules.registry import Context, Problem, rule
from generator.findings import shown

US_AND_TERRITORIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM"})


@rule("D501")
def document_type_matches_destination(context: Context) -> Iterator[Problem]:
    """The document requested is the one the destination requires.

    Each destination takes one document (data/destinations.yaml): a TRACES certificate of
    inspection for the EU, Northern Ireland and Switzerland, the GB model for Great
    Britain, a TM-11 for Japan and Taiwan, an e-NAQS certificate for Korea, the arrangement
    attestation for Canada, and a transaction certificate elsewhere.

    Fix: set ``document_type`` to the one named in the message.
    """
    market = context.facts.market
    requested = context.data.get("document_type")
    if market is None or requested == market.document_type:
        return
    needed = context.facts.document_type
    yield Problem(
        "/document_type",
        f"{market.name} requires a {needed.title} (document_type: {needed.id}), not {requested}",
    )


@rule("D502")
def export_leaves_united_states(context: Context) -> Iterator[Problem]:
    """An export request's destination is outside the United States.

    Shipments into the United States need a NOP Import Certificate (kind: import), issued
    by the exporter's certifier; US territories are part of the domestic market.

    Fix: use an import request for goods entering the United States, or correct the
    destination country.
    """
    country = context.request.destination_country
    if not context.request.is_import and country in US_AND_TERRITORIES:
        yield Problem(
            "/destination/country",
            f"{country} is in the United States; goods entering "
            "the US need an import request (kind: import)",
        )


@rule("D503")
def destination_statements_present(context: Context) -> Iterator[Problem]:
    """The statements the destination requires are listed.

    TM-11s for Japan carry the US-Japan arrangement statement, Korea's certificates the
    US-Korea statement, shipments to Canada the US-Canada statement, and TM-11s for Taiwan
    the zero-prohibited-substances or no-analgesics statement for each kind of product
    (data/destinations.yaml).

    Fix: add the missing statement ids to ``statements``; for Canada make sure the text
    also appears on the bill of lading or invoice.
    """
    market = context.facts.market
    if market is None:
        return
    listed = set(context.data["statements"])
    for statement in context.facts.statements:
        if statement.id not in listed:
            yield Problem(
                "/statements", f"add '{statement.id}': {market.name} requires \"{statement.text}\""
            )


@rule("D504")
def statements_belong_to_destination(context: Context) -> Iterator[Problem]:
    """Every statement listed belongs to the destination.

    A statement meant for another destination (the Japan statement on a certificate for
    Korea) would make the document wrong.

    Fix: remove the statement; the message lists the destination's statements.
    """
    market = context.facts.market
    if market is None:
        return
    known = {s.id for s in market.statements}
    for index, statement in enumerate(context.data["statements"]):
        if statement not in known:
            allowed = ", ".join(sorted(known)) or "none"
            yield Problem(
                f"/statements/{index}",
                f"{shown(statement)} is not a statement for "
                f"{market.name}; its statements: {allowed}",
            )


@rule("D505")
def destination_attestations_given(context: Context) -> Iterator[Problem]:
    """The exporter gives, as true, each attestation the destination requires.

    No antibiotics for the EU, Northern Ireland, Switzerland and Great Britain; no sodium
    nitrate and not hydroponic for crops to Canada, Canadian stocking rates for
    non-ruminant livestock products (data/destinations.yaml). A product that cannot be
    attested does not qualify under the arrangement.

    Fix: add the attestation as true if the exporter can attest it; otherwise the product
    cannot be exported to this destination under the arrangement.
    """
    market = context.facts.market
    if market is None:
        return
    given = context.request.attestations
    always = {a.id for a in context.ref.records.attestations.values() if a.always_required}
    for attestation in context.facts.attestations:
        if attestation in always:
            continue
        if attestation not in given:
            yield Problem(
                "/attestations",
                f"{market.name} requires the attestation '{attestation}: true'; add it",
            )
        elif given[attestation] is not True:
            yield Problem(
                f"/attestations/{attestation}",
                f"{market.name} requires {attestation}; "
                "a product that cannot be attested does "
                "not qualify",
            )


@rule("D506")
def attestations_known(context: Context) -> Iterator[Problem]:
    """Every attestation given is one the certifier knows.

    Attestation ids are defined in data/records.yaml; an unknown id is a typo or an
    attestation no destination asks for.

    Fix: correct the id (the message lists the known ones) or remove it.
    """
    known = context.ref.records.attestations
    for name in context.request.attestations:
        if name not in known:
            yield Problem(
                f"/attestations/{name}",
                f"unknown attestation {shown(name)}; known: {', '.join(known)}",
            )
