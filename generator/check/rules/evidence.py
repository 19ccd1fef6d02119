"""Rules on the supporting records and the treatment attestations of every request."""

from __future__ import annotations

from collections.abc import Iterator

from generator.check.rules.registry import Context, Problem, rule
from generator.findings import Severity, shown


@rule("E601")
def core_records_listed(context: Context) -> Iterator[Problem]:
    """The commercial invoice and packing list are listed.

    The certifier verifies each certificate against the trade documents; the invoice and
    packing list are always needed (data/records.yaml always_required).

    Fix: add the missing documents under ``documents``.
    """
    listed = {d["type"] for d in context.request.documents}
    for kind in context.ref.records.always_required:
        if kind not in listed:
            title = _title(context, kind)
            yield Problem("/documents", f"add the {title.lower()} ({kind}) to documents")


@rule("E602")
def transport_document_listed(context: Context) -> Iterator[Problem]:
    """A transport document for the transport mode is listed.

    A bill of lading for ocean or truck freight, an air waybill for air freight, a rail
    waybill for rail (data/records.yaml transport_documents); a draft is accepted before
    departure.

    Fix: add the transport document under ``documents`` (with ``draft: true`` if it is a
    draft).
    """
    mode = context.request.transport["mode"]
    accepted = context.ref.records.transport_documents.get(mode, ())
    listed = {d["type"] for d in context.request.documents}
    if accepted and not listed.intersection(accepted):
        yield Problem(
            "/documents", f"add a transport document for {mode} freight: {' or '.join(accepted)}"
        )


@rule("E603")
def phytosanitary_certificate_listed(context: Context) -> Iterator[Problem]:
    """A phytosanitary certificate is listed for fresh plant products.

    Inspectors check phytosanitary certificates for prohibited treatments; the certifier
    asks for them for the product categories in data/records.yaml.

    Fix: add the phytosanitary certificate under ``documents``.
    """
    categories = context.ref.records.phytosanitary_categories
    needed = any(p["category"] in categories for p in context.request.products)
    listed = {d["type"] for d in context.request.documents}
    if needed and "phytosanitary_certificate" not in listed:
        yield Problem(
            "/documents",
            "add the phytosanitary certificate (phytosanitary_certificate) "
            "for these plant products",
        )


@rule("E604")
def records_identify_product_as_organic(context: Context) -> Iterator[Problem]:
    """Every supporting document describes the goods as organic.

    Organic goods must be identified as organic on the invoice, packing list, bill of
    lading and other trade documents (SOE traceability; AMS and CBP guidance on organic
    imports); documents that do not say so are a common reason for refusal.

    Fix: have the document corrected to describe the goods as organic, then set
    ``identifies_organic: true``.
    """
    for index, document in enumerate(context.request.documents):
        if document["identifies_organic"] is not True:
            title = _title(context, document["type"])
            yield Problem(
                f"/documents/{index}/identifies_organic",
                f"the {title.lower()} must describe the goods as organic; have it corrected",
            )


@rule("E605")
def treatment_attestations_true(context: Context) -> Iterator[Problem]:
    """The product was neither fumigated with a prohibited substance nor irradiated.

    Products fumigated with prohibited substances (methyl bromide, sulfuryl fluoride,
    phosphine) in contact with the product, or irradiated, at origin or at a port, may not
    be sold as organic (7 CFR 205.105; AMS guidance on fumigation; NOP Policy Memo 18-1).

    Fix: if the attestation cannot be given, the goods are not organic and no certificate
    can be issued; otherwise set it to true.
    """
    given = context.request.attestations
    for attestation in context.ref.records.attestations.values():
        if attestation.always_required and given.get(attestation.id) is not True:
            yield Problem(
                f"/attestations/{attestation.id}",
                f"{attestation.title.lower()} must be "
                "attested (true); goods that were "
                "treated are not organic",
            )


@rule("E606", Severity.WARNING)
def treatment_record_needs_review(context: Context) -> Iterator[Problem]:
    """A treatment record is listed: the reviewer must examine it.

    A PPQ 523 emergency action notification or a PPQ 203 irradiation record shows a
    treatment; a prohibited one makes the product non-organic.

    Fix: nothing to change in the file; the reviewer confirms the treatment was not
    prohibited before issuing.
    """
    review = context.ref.records.manual_review
    for index, document in enumerate(context.request.documents):
        if document["type"] in review:
            yield Problem(
                f"/documents/{index}/type",
                "a treatment record is attached: the reviewer "
                "must confirm the treatment was not prohibited",
            )


@rule("E607")
def document_kinds_known(context: Context) -> Iterator[Problem]:
    """Every supporting document's type is one the certifier knows.

    Document types are defined in data/records.yaml.

    Fix: use one of the types listed in the message.
    """
    kinds = context.ref.records.document_kinds
    for index, document in enumerate(context.request.documents):
        if document["type"] not in kinds:
            yield Problem(
                f"/documents/{index}/type",
                f"unknown document type {shown(document['type'])}; use one of: {', '.join(kinds)}",
            )


def _title(context: Context, kind: str) -> str:
    known = context.ref.records.document_kinds.get(kind)
    return known.title if known else kind
