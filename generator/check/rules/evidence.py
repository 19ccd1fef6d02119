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

    Source: certifier policy: data/records.yaml, always_required; certifiers ask for the
    invoice, packing list and transport document (Oregon Tilth:
    <https://tilth.org/knowledgebase_category/trade-documents/> ).

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

    Source: certifier policy: data/records.yaml, transport_documents; a draft bill of lading
    or air waybill is accepted before departure (ICERT:
    <https://icert.id/en/revision-procedure-for-applying-certification-of-inspection-to-eu/>
    ).

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

    Source: certifier policy: data/records.yaml, phytosanitary_certificate_for; inspectors
    check phytosanitary certificates for prohibited treatments (CCOF:
    <https://ccof.org/news/import-requirements-for-operations-in-the-united-states/> ).

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

    Source: customs brokers' guidance that the invoice, bill of lading and packing list
    describe the goods as organic:
    <https://www.willsonintl.com/archives/news/national-organics-program-nop-organic-requirements-began-march-19th>;
    <https://www.wssa.com/blog/usda-nop-audits>

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

    Source: AMS, USDA Reminds Organic Importers of Requirements (2016):
    <https://www.ams.usda.gov/content/usda-reminds-organic-importers-requirements>; NOP
    Policy Memo 18-1, as cited by CCOF:
    <https://ccof.org/news/import-requirements-for-operations-in-the-united-states/>; the
    attestations every request needs: data/records.yaml, attestations (always_required).

    Fix: do not fill in the attestation for the exporter. The exporter must confirm it from
    its records (the phytosanitary certificate, any PPQ 523 emergency action notification or
    PPQ 203 irradiation record, the supplier's and the port's treatment records); record it
    as true only once the exporter has. If the exporter cannot confirm it, the product is
    not organic and no certificate can be issued.
    """
    given = context.request.attestations
    for attestation in context.ref.records.attestations.values():
        if not attestation.always_required or given.get(attestation.id) is True:
            continue
        if given.get(attestation.id) is False:
            problem = (
                "is answered false: the exporter does not confirm it, so the product is not "
                "shown to be organic"
            )
        else:
            problem = (
                "is not attested: the exporter must confirm it from its treatment records "
                "(phytosanitary certificate, PPQ 523, PPQ 203); if it cannot, the product is "
                "not organic"
            )
        yield Problem(
            f"/attestations/{attestation.id}",
            f'"{attestation.title}" {problem} and cannot be certified',
        )


@rule("E606", Severity.WARNING)
def treatment_record_needs_review(context: Context) -> Iterator[Problem]:
    """A treatment record is listed: the reviewer must examine it.

    A PPQ 523 emergency action notification or a PPQ 203 irradiation record shows a
    treatment; a prohibited one makes the product non-organic.

    Source: CCOF on import requirements (PPQ 523 and PPQ 203 records show treatments):
    <https://ccof.org/news/import-requirements-for-operations-in-the-united-states/>;
    certifier policy: data/records.yaml, manual_review_documents.

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

    Source: certifier policy: data/records.yaml, documents.

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
