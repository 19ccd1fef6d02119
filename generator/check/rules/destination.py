"""Rules on the destination of an export: the right document, its statements and attestations."""

from __future__ import annotations

from collections.abc import Iterator

from generator.check.decide import terms_date
from generator.check.rules.registry import Context, Problem, rule
from generator.check.words import CATEGORY_WORDS
from generator.findings import shown

US_AND_TERRITORIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM"})


@rule("D501")
def document_type_matches_destination(context: Context) -> Iterator[Problem]:
    """The document requested is the one the destination requires.

    Each destination takes one document (data/destinations.yaml): a TRACES certificate of
    inspection for the EU, Northern Ireland and Switzerland, the GB model for Great
    Britain, a TM-11 for Japan and Taiwan, an e-NAQS certificate for Korea, the arrangement
    attestation for Canada, and a transaction certificate elsewhere.

    Source: the destinations' documents as data/destinations.yaml cites them: AMS international
    trade pages (European Union, Switzerland, UK, Japan, Taiwan, Korea, Canada); Chile's SAG
    for transaction certificates.

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

    Source: 7 CFR 205.273 (imports to the United States need a NOP Import Certificate); US
    territories are part of the domestic market under 7 CFR 205.2 ("State" includes them).

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


@rule("D508")
def import_comes_from_abroad(context: Context) -> Iterator[Problem]:
    """An import request's goods come from outside the United States.

    A NOP Import Certificate accompanies organic products imported into the United States;
    goods that never leave the US (exported from the US or one of its territories) need no
    import certificate, and one issued for them would be a false document.

    Source: 7 CFR 205.273 (NOP Import Certificates for organic products imported into the
    United States); US territories are part of the domestic market under 7 CFR 205.2.

    Fix: give the country the goods are exported from (``transport.country_of_export``);
    goods that stay in the United States need no import certificate.
    """
    if not context.request.is_import:
        return
    transport = context.data.get("transport")
    country = transport.get("country_of_export") if isinstance(transport, dict) else None
    if country in US_AND_TERRITORIES:
        yield Problem(
            "/transport/country_of_export",
            f"{country} is in the United States: goods that do not leave the US need no NOP "
            "Import Certificate; give the country they are exported from",
        )


@rule("D503")
def destination_statements_present(context: Context) -> Iterator[Problem]:
    """The statements the arrangement requires for these products are listed.

    The terms in force on the departure date (data/destinations.yaml) name each statement
    with the products it applies to: the US-Japan statement on TM-11s for Japan, the
    AIT/TECRO statement on TM-11s for Taiwan since 2020 (and the no-analgesics statement
    for livestock products), the US-Korea statement, the US-Canada statement.

    Source: the arrangement's terms as data/destinations.yaml cites them (AMS
    international trade pages for Japan, Taiwan, Korea and Canada; QAI, OneCert and OTA
    notices of the 2020 AIT/TECRO arrangement).

    Fix: add the statement ids named in the message to ``statements``; for Canada make
    sure the text also appears on the bill of lading or invoice.
    """
    terms = context.facts.terms
    if terms is None:
        return
    listed = set(context.data["statements"])
    for statement in context.facts.statements:
        if statement.id not in listed:
            yield Problem(
                "/statements",
                f"add '{statement.id}': {_market_name(context)} requires "
                f'"{statement.text}" on this document',
            )


@rule("D504")
def statements_belong_to_destination(context: Context) -> Iterator[Problem]:
    """Every statement listed belongs to the arrangement in force and to these products.

    A statement meant for another destination (the Japan statement on a certificate for
    Korea), from terms no longer in force (Taiwan's pre-2020 statements), or for other
    products (the livestock statement on a TM-11 for apples) makes the document wrong.

    Source: the arrangement's terms as data/destinations.yaml cites them.

    Fix: remove the statement; the message lists the statements that apply.
    """
    terms = context.facts.terms
    if terms is None:
        return
    known = {s.id: s for s in terms.statements}
    applying = {s.id for s in context.facts.statements}
    for index, statement in enumerate(context.data["statements"]):
        allowed = ", ".join(sorted(applying)) or "none"
        if statement not in known:
            yield Problem(
                f"/statements/{index}",
                f"{shown(statement)} is not a statement of the terms in force for "
                f"{_market_name(context)} on the departure date ({terms.period}); "
                f"the statements for these products: {allowed}",
            )
        elif statement not in applying:
            words = _category_list(known[statement].categories)
            yield Problem(
                f"/statements/{index}",
                f"{shown(statement)} is for {words}, and no product here is one; "
                f"the statements for these products: {allowed}",
            )


@rule("D505")
def destination_attestations_given(context: Context) -> Iterator[Problem]:
    """The exporter confirms each attestation the arrangement requires for these products.

    The terms in force on the departure date name each attestation with the products it
    applies to: no antibiotics for the EU, Northern Ireland and Switzerland; no apples or
    pears produced with antibiotics for Korea; no sodium nitrate (every product), not
    hydroponic (crops) and Canadian stocking rates (non-ruminant livestock) for Canada.
    A product that cannot be attested does not qualify under the arrangement.

    Source: the arrangement's terms as data/destinations.yaml cites them (AMS EU and Korea
    pages, Oregon Tilth's Korea page, CCOF's Canadian export requirements).

    Fix: ask the exporter to confirm the attestation from its records, and record it as
    true only once confirmed; a product that cannot be attested cannot be exported under
    the arrangement.
    """
    if context.facts.terms is None:
        return
    given = context.request.attestations
    always = {a.id for a in context.ref.records.attestations.values() if a.always_required}
    for attestation in context.facts.attestations:
        if attestation in always:
            continue
        title = context.ref.records.attestations[attestation].title
        if attestation not in given:
            yield Problem(
                "/attestations",
                f"{_market_name(context)} requires the attestation '{attestation}' "
                f"({title}); record it once the exporter has confirmed it",
            )
        elif given[attestation] is not True:
            yield Problem(
                f"/attestations/{attestation}",
                f"{_market_name(context)} requires '{attestation}' ({title}); a product "
                "that cannot be attested does not qualify under the arrangement",
            )


@rule("D506")
def attestations_known(context: Context) -> Iterator[Problem]:
    """Every attestation given is one the certifier knows.

    Attestation ids are defined in data/records.yaml; an unknown id is a typo or an
    attestation no destination asks for.

    Source: certgen: data/records.yaml, attestations.

    Fix: correct the id (the message lists the known ones) or remove it.
    """
    known = context.ref.records.attestations
    for name in context.request.attestations:
        if name not in known:
            yield Problem(
                f"/attestations/{name}",
                f"unknown attestation {shown(name)}; known: {', '.join(known)}",
            )


@rule("D507")
def terms_in_force_on_departure(context: Context) -> Iterator[Problem]:
    """The destination has terms in force on the departure date.

    Arrangements change on known dates (Taiwan's in 2020, Great Britain's procedure in
    2023) and end (the EU's recognitions under Article 48 of Regulation (EU) 2018/848 on
    31 December 2026). A certificate is issued under the terms in force when the shipment
    leaves; where data/destinations.yaml has none for that day, certgen cannot say what
    the document must carry.

    Source: data/destinations.yaml, terms of each market, with the sources they cite.

    Fix: check the departure date; if it is right, the certifier adds the new terms to
    data/destinations.yaml (with their sources) in a reviewed pull request.
    """
    market = context.facts.market
    day = terms_date(context.request)
    if market is None or day is None or context.facts.terms is not None:
        return
    periods = "; ".join(t.period for t in market.terms)
    yield Problem(
        "/transport/departure_date",
        f"no terms for {market.name} are in force on {day} (data/destinations.yaml has: "
        f"{periods}); the certifier must add the terms in force before this can be issued",
    )


def _market_name(context: Context) -> str:
    market = context.facts.market
    return market.name if market else "the destination"


def _category_list(categories: frozenset[str] | None) -> str:
    if not categories:
        return "every product"
    return " and ".join(sorted(CATEGORY_WORDS.get(c, c) for c in categories))
