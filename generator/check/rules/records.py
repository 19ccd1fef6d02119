"""Rules on the request as a record: its ID and file, its service level, countries, and the
reviewer's decision once issued."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import PurePath
from typing import Any

import pycountry

from generator.check.rules.registry import Context, Problem, rule
from generator.check.transitions import PUBLISHED
from generator.findings import Severity, shown

MODELINE = "# yaml-language-server: $schema="
EXTRA_COUNTRY_CODES = {"XI": "Northern Ireland"}


@rule("R101", after_issuance=True)
def request_id_matches_kind(context: Context) -> Iterator[Problem]:
    """The request ID's prefix matches the kind of request.

    Import requests are numbered IC-<year>-<sequence> and export requests
    EC-<year>-<sequence>, so that an ID says at once which kind of document it is.

    Source: certgen: the register's numbering (IC- for import requests, EC- for export
    requests).

    Fix: give the request an ID with the right prefix (and rename the file to match);
    ``certgen new`` picks the next free one.
    """
    request = context.request
    prefix = "IC" if request.is_import else "EC"
    if not request.id.startswith(prefix + "-"):
        yield Problem(
            "/id",
            f"an {request.kind} request's ID starts with {prefix}-, not "
            f"{request.id[:3]}; for example {prefix}-{request.id[3:]}",
        )


@rule("R102", after_issuance=True)
def file_path_matches_id(context: Context) -> Iterator[Problem]:
    """A request in the register lives at requests/<year>/<id>.yaml.

    The file path is the record's identity: git refuses two pull requests adding the same
    file, which is what keeps IDs unique. A file whose name or year folder disagrees with its
    ``id`` breaks that guarantee. The rule applies to files inside a ``requests`` folder.

    Source: certgen: the register's file layout; the path requests/<year>/<id>.yaml is what
    keeps IDs unique.

    Fix: rename or move the file to requests/<year of the ID>/<id>.yaml, or correct the ID.
    """
    path = PurePath(context.request.document.path)
    if "requests" not in path.parts[:-1]:
        return
    request_id = context.request.id
    year = request_id.split("-")[1]
    expected = f"requests/{year}/{request_id}.yaml"
    if (
        path.name != f"{request_id}.yaml"
        or path.parent.name != year
        or path.parent.parent.name != "requests"
    ):
        yield Problem(
            "/id",
            f"the file for ID {request_id} must be {expected}; rename the file or correct the ID",
        )


@rule("R104")
def id_year_matches_request_date(context: Context) -> Iterator[Problem]:
    """The year in the request ID is the year the request was received.

    Requests are filed by year (requests/<year>/); an ID from another year puts the record
    in the wrong folder and makes its number look older or newer than it is.

    Source: certgen: the register's file layout (one folder per year of receipt).

    Fix: use an ID of the year of ``requested_at`` (``certgen new`` picks the next free one).
    """
    received = context.facts.received.date()
    id_year = context.request.id.split("-")[1]
    if id_year != str(received.year):
        yield Problem(
            "/id",
            f"the ID's year {id_year} is not the year the request was received "
            f"({received.isoformat()}); use an ID of {received.year}",
        )


@rule("R105", Severity.WARNING, after_issuance=True)
def schema_modeline_present(context: Context) -> Iterator[Problem]:
    """The file starts with the schema line that lets editors check it while typing.

    ``# yaml-language-server: $schema=../../schemas/request.schema.json`` on the first
    line makes editors with the YAML language server (VS Code, Neovim, JetBrains) validate
    the request and offer completion from the schema's descriptions before the pull
    request is opened.

    Source: certgen: editor help for preparers (the YAML language server's schema line,
    schemas/request.schema.json).

    Fix: add that line as the first line of the file.
    """
    if not context.request.document.first_line.startswith(MODELINE):
        yield Problem(
            None,
            "the first line should be "
            f"'{MODELINE}../../schemas/request.schema.json' for editor help",
        )


@rule("R106")
def service_level_offered(context: Context) -> Iterator[Problem]:
    """The service level is one the certifier offers.

    Turnaround and fee come from the service level in data/services.yaml.

    Source: certifier policy: data/services.yaml, service_levels.

    Fix: use one of the service level ids listed in the message.
    """
    if context.facts.service_level is None:
        offered = ", ".join(context.ref.service_levels)
        value = shown(context.data["service_level"])
        yield Problem(
            "/service_level", f"service level {value} is not offered; use one of: {offered}"
        )


@rule("R107", after_issuance=True)
def country_codes_known(context: Context) -> Iterator[Problem]:
    """Country codes are ISO 3166-1 alpha-2 codes that exist (XI for Northern Ireland).

    Codes decide which document and rules apply; an unknown code (UK instead of GB, a typo)
    would silently send the request to the "other countries" rules.

    Source: ISO 3166-1 alpha-2, read through pycountry. XI, not an ISO code, is certgen's
    code for Northern Ireland, whose organic imports stay on EU TRACES while Great Britain's
    do not (Dover Port Health:
    <https://www.dover.gov.uk/Port-Health-and-Public-Protection/Port-Health/Organic-Products.aspx>
    ).

    Fix: use the country's ISO 3166-1 alpha-2 code (GB for the United Kingdom, XI for
    Northern Ireland); the message suggests one where it can.
    """
    for pointer, code in _country_fields(context):
        if code in EXTRA_COUNTRY_CODES or pycountry.countries.get(alpha_2=code):
            continue
        hint = {"UK": "GB (Great Britain) or XI (Northern Ireland)", "EL": "GR"}.get(code)
        message = f"{shown(code)} is not an ISO 3166-1 alpha-2 country code"
        yield Problem(pointer, f"{message}; did you mean {hint}?" if hint else message)


def _country_fields(context: Context) -> Iterator[tuple[str, str]]:
    data = context.data
    yield "/destination/country", data["destination"]["country"]
    yield "/transport/country_of_export", data["transport"]["country_of_export"]
    for party in ("importer", "consignee", "producer", "trader", "ultimate_consignee"):
        if "country" in data.get(party, {}):
            yield f"/{party}/country", data[party]["country"]
    for index, product in enumerate(data["products"]):
        for field in ("produced_in", "processed_in"):
            if field in product:
                yield f"/products/{index}/{field}", product[field]


@rule("R110")
def reviewer_is_listed_reviewer(context: Context) -> Iterator[Problem]:
    """The reviewer who issued the certificate is listed as a reviewer.

    Only certification specialists named as reviewers in data/certifier.yaml may decide
    on a request; the record must show who they are. Judged when the certificate is issued:
    a reviewer who later leaves the staff list does not undo their decisions.

    Source: certifier policy: data/certifier.yaml, staff (role ``reviewer``).

    Fix: record the GitHub user name of a listed reviewer, or ask an admin to add the
    reviewer to data/certifier.yaml in a pull request of its own.
    """
    yield from _listed_reviewer(context, "/issuance/reviewer", context.request.issuance, "reviewer")


@rule("R125", after_issuance=True)
def canceller_is_listed_reviewer(context: Context) -> Iterator[Problem]:
    """The reviewer who cancelled the certificate is listed as a reviewer.

    Cancelling a certificate is a certification decision too (certifier policy: the
    ``reviewer`` role in data/certifier.yaml): only a listed reviewer may take it, and the
    record must show who did. Judged on every check, as long as the record is kept.

    Source: certifier policy: data/certifier.yaml, staff (role ``reviewer``).

    Fix: record the GitHub user name of a listed reviewer in ``cancellation.cancelled_by``.
    """
    cancellation = context.data.get("cancellation")
    yield from _listed_reviewer(context, "/cancellation/cancelled_by", cancellation, "cancelled_by")


def _listed_reviewer(
    context: Context, pointer: str, decision: dict[str, Any] | None, field: str
) -> Iterator[Problem]:
    staff = context.ref.certifier.staff
    if not decision:
        return
    member = staff.get(decision[field])
    if member is None or "reviewer" not in member.roles:
        reviewers = sorted(h for h, m in staff.items() if "reviewer" in m.roles)
        yield Problem(
            pointer,
            f"{shown(decision[field])} is not listed as a reviewer in "
            f"data/certifier.yaml; reviewers: {', '.join(reviewers)}",
        )


@rule("R111", after_issuance=True)
def reviewer_is_not_preparer(context: Context) -> Iterator[Problem]:
    """The reviewer who issues or cancels a certificate is not the person who prepared the
    request (four eyes).

    The certifier separates preparation from the certification decision; the person who
    prepared a request may not be the one who issues it, nor the one who cancels it.

    A preparer recorded as ``github:<login>`` (a request filed through the issue form) is the
    staff member whose GitHub login that is, if any.

    Source: certifier policy: data/certifier.yaml, staff (roles ``preparer`` and
    ``reviewer``, ``github``); no published source found that requires a second person for
    each certificate; certifier practice.

    Fix: have another listed reviewer review and issue (or cancel) the request.
    """
    preparer = context.ref.certifier.preparer_handle(str(context.data["prepared_by"])).casefold()
    decisions = (
        (context.request.issuance, "/issuance/reviewer", "reviewer", "issue"),
        (context.data.get("cancellation"), "/cancellation/cancelled_by", "cancelled_by", "cancel"),
    )
    for decision, pointer, field, verb in decisions:
        if isinstance(decision, dict) and str(decision.get(field, "")).casefold() == preparer:
            yield Problem(
                pointer,
                f"{decision[field]} prepared this request and "
                f"cannot also {verb} it; another reviewer must decide",
            )


@rule("R112")
def official_number_recorded(context: Context) -> Iterator[Problem]:
    """An issued record carries the official number of a document that lives in OID, TRACES
    or e-NAQS.

    NOP Import Certificates are issued in OID, EU certificates of inspection in TRACES and
    Korean certificates in e-NAQS; the number that system gives is what brokers and
    authorities look up. Without it the published record cannot be verified.

    Source: AMS, Electronic Organic Import Certificates (issued in OID):
    <https://www.ams.usda.gov/services/organic-certification/international-trade/Electronic-Organic-Import-Certificates>;
    AMS, European Union (certificates of inspection in TRACES):
    <https://www.ams.usda.gov/services/organic-certification/international-trade/european-union>;
    AMS, Korea (certificates in e-NAQS):
    <https://www.ams.usda.gov/services/organic-certification/international-trade/Korea>.
    Which documents carry a number: data/destinations.yaml, document_types
    (``official_number``).

    Fix: copy the number from the system where the document was issued into
    ``issuance.official_number``.
    """
    issuance = context.request.issuance
    document = context.facts.document_type
    if issuance and document.number_required and not issuance.get("official_number"):
        yield Problem(
            "/issuance",
            f"add official_number: the {document.title} number from "
            f"{document.system}, e.g. {document.number_example}",
        )


@rule("R113")
def official_number_not_operation_id(context: Context) -> Iterator[Problem]:
    """The official number is not a 10-digit OID operation ID.

    ACE takes the 21-character NOP Import Certificate number (CSMS #67645994); the
    exporter's 10-digit operation ID, shown next to it in OID, is easily copied instead and
    is not a certificate number.

    Source: CBP CSMS #67645994 (2026-02-06), on entering the 21-character NOP Import
    Certificate number in ACE:
    <https://csmsbot.com/message/dcc497c2-feeb-4af6-9682-1643222958cf>

    Fix: copy the certificate's own number from OID (NNN-NNNNNNNNNN-NNNNNN).
    """
    number = _official_number(context)
    if number and re.fullmatch(r"[0-9]{10}", number):
        yield Problem(
            "/issuance/official_number",
            f"{number} is a 10-digit operation ID, not a "
            "certificate number; copy the certificate's "
            "number from OID",
        )


@rule("R114")
def official_number_not_draft(context: Context) -> Iterator[Problem]:
    """The official number is not a draft number.

    OID shows draft certificates with "draft" in their number; CBP does not accept them
    (CSMS #67645994). Only an issued certificate's number may be recorded.

    Source: CBP CSMS #67645994 (2026-02-06): a number containing or followed by "draft" is
    not valid for entry: <https://csmsbot.com/message/dcc497c2-feeb-4af6-9682-1643222958cf>

    Fix: issue the certificate in OID and copy its final number.
    """
    number = _official_number(context)
    if number and "draft" in number.casefold():
        yield Problem(
            "/issuance/official_number",
            f"{shown(number)} is a draft number; issue the "
            "certificate first and copy its final number",
        )


@rule("R115")
def official_number_matches_format(context: Context) -> Iterator[Problem]:
    """The official number has the form of the issuing system's numbers.

    A NOP Import Certificate number has 21 characters, NNN-NNNNNNNNNN-NNNNNN; a TRACES
    certificate of inspection reference looks like COI.EU.US.2026.0001234. A number of
    another form was mistyped or copied from the wrong field.

    Source: the NOP Import Certificate number's form as customs brokers report it
    (Flegenheimer:
    <https://flegenheimer.com/effective-march-19-2024-usda-ams-national-organic-program-new-data-requirements/>
    ); the TRACES and e-NAQS forms are not published: certifier policy,
    data/destinations.yaml, document_types (``official_number``).

    Fix: copy the number again from the issuing system.
    """
    number = _official_number(context)
    document = context.facts.document_type
    if not number or document.number_pattern is None:
        return
    if re.fullmatch(r"[0-9]{10}", number) or "draft" in number.casefold():
        return  # reported by R113 or R114
    if not document.number_pattern.fullmatch(number):
        yield Problem(
            "/issuance/official_number",
            f"{shown(number)} is not a {document.title} "
            f"number; expected the form "
            f"{document.number_example}",
        )


@rule("R116")
def official_number_only_for_external_documents(context: Context) -> Iterator[Problem]:
    """Documents the certifier issues itself carry no separate official number.

    TM-11, GB certificates of inspection, Canada attestations and transaction certificates
    are issued on the certifier's own form; their number is the request ID, so an
    ``official_number`` on them would be a second, conflicting number.

    Source: certgen: one number per certificate; documents numbered by their request ID have
    no ``official_number`` in data/destinations.yaml, document_types.

    Fix: remove ``issuance.official_number``.
    """
    number = _official_number(context)
    document = context.facts.document_type
    if number and document.number_pattern is None:
        yield Problem(
            "/issuance/official_number",
            f"a {document.title} is numbered by its request "
            f"ID ({context.request.id}); remove "
            "official_number",
        )


@rule("R117")
def issued_before_departure(context: Context) -> Iterator[Problem]:
    """The certificate was issued before the goods left.

    A NOP Import Certificate must exist before the shipment leaves the foreign port of
    lading (7 CFR 205.273(a); CBP since 2024-09-19), and an EU certificate of inspection
    before the consignment leaves the United States; a later one is invalid. For a
    time-frame certificate, no recorded shipment may predate the issuance.

    An amendment (``supersedes``) corrects a certificate that existed before the departure
    and is exempt: T410 makes sure that, made after the departure, it changes nothing the
    departure fixed.

    Source: 7 CFR 205.273(a) (request the certificate before export), as quoted at
    <https://albawheelsup.com/agricultural-marketing-service-national-organic-program-faqs/>;
    CBP CSMS #61723113 (the certificate must exist before the shipment departs the foreign
    port of lading), as summarized at
    <https://info.expeditors.com/newsflash/usda-reminds-trade-to-stop-using-temporary-filing-codes-for-organics>;
    AMS, European Union (a certificate of inspection issued before the consignment leaves):
    <https://www.ams.usda.gov/services/organic-certification/international-trade/european-union>

    Fix: check the dates; a certificate cannot be issued retroactively: the shipment must be
    entered as non-organic.
    """
    if context.data.get("supersedes"):
        return
    issued = context.request.issued_on
    if issued is None:
        return
    departure = context.request.departure_date
    if departure and issued > departure:
        yield Problem(
            "/issuance/issued_on",
            f"issued on {issued} after the departure on "
            f"{departure}; a certificate cannot be issued after "
            "the goods have left",
        )
    for index, shipment in enumerate(context.data.get("shipments", ())):
        shipped = date.fromisoformat(shipment["shipped_on"])
        if shipped < issued:
            yield Problem(
                f"/shipments/{index}/shipped_on",
                f"shipped on {shipped}, before the certificate was issued on {issued}",
            )


@rule("R118")
def issued_after_request(context: Context) -> Iterator[Problem]:
    """The certificate was issued on or after the day the request was received.

    Source: certgen: the record's dates agree (no decision before the request it decides).

    Fix: correct ``issuance.issued_on`` or ``requested_at``.
    """
    issued = context.request.issued_on
    received = context.facts.received.date()
    if issued and issued < received:
        yield Problem(
            "/issuance/issued_on",
            f"issued on {issued}, before the request was received on {received}",
        )


@rule("R119", after_issuance=True)
def cancellation_after_issuance(context: Context) -> Iterator[Problem]:
    """A certificate is cancelled on or after the day it was issued.

    Source: certgen: the record's dates agree (no cancellation before the issuance).

    Fix: correct ``cancellation.cancelled_on``.
    """
    cancellation = context.data.get("cancellation")
    issued = context.request.issued_on
    if cancellation and issued and date.fromisoformat(cancellation["cancelled_on"]) < issued:
        yield Problem(
            "/cancellation/cancelled_on",
            f"cancelled on {cancellation['cancelled_on']}, before it was issued on {issued}",
        )


def _official_number(context: Context) -> str | None:
    issuance = context.request.issuance
    return issuance.get("official_number") if issuance else None


@rule("R124", after_issuance=True)
def frozen_record_is_sound(context: Context) -> Iterator[Problem]:
    """An issued certificate's frozen record is the file ``certgen issue`` wrote: a regular
    file (never a link), canonical JSON, holding the record of this request.

    The site publishes that file as the certificate: a record edited by hand, copied from
    another certificate, or linked to a file elsewhere would publish something no reviewer
    decided. (Against the base branch, H905 refuses any change to a kept record.)

    Source: certgen: an issued certificate never changes (the frozen records in records/).

    Fix: restore the file from git (``git checkout <base branch> -- records/...``).
    """
    if context.record_problem:
        yield Problem("/status", context.record_problem)


@rule("R123", when_sound=True)
def issued_record_is_frozen(context: Context) -> Iterator[Problem]:
    """An issued certificate's record is frozen in ``records/<year>/<id>.json``.

    What an issued certificate says must never change, whatever later happens to data/,
    the templates or certgen: ``certgen issue`` keeps the record as issued (the reviewer's
    name, the certifier's identity, the statements and attestations in force that day) in
    records/, and the site publishes that record. Shown once the file has no other error.

    Source: certgen: an issued certificate never changes (the frozen records in records/).

    Fix: issue requests with ``certgen issue``; for a file marked issued by hand, run
    ``certgen freeze <file>`` and commit the record it writes.
    """
    if context.data.get("status") in PUBLISHED and not context.record_kept:
        yield Problem(
            "/status",
            f"{context.request.id} is {context.data['status']} but its record is not frozen "
            f"in records/; run certgen freeze on this file and commit the record",
        )
