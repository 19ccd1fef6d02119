"""``certgen intake``: a GitHub issue form's body -> a request file, checked, with a comment.

For operators who do not use git: the issue forms in .github/ISSUE_TEMPLATE ask for a
request field by field; GitHub renders the answers as "### Label" sections. This module reads
them back (as untrusted text: sizes are capped, nothing is interpreted), builds the request
with the next free ID, checks it, and writes a comment that names the form's fields. An issue
may be read by more people than the request's parties, so the forms ask for no confidential
value: the client emails the documents, and the desk fills in what the schema requires of
them (their references).
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from generator.errors import UsageError
from generator.findings import Finding
from generator.workflow.intake_notes import issue_text
from generator.workflow.lifecycle import Lifecycle, yaml_editor

MAX_BODY = 64 * 1024
MAX_ANSWER = 2000
NO_RESPONSE = "_No response_"
_SECTION = re.compile(r"^###[ \t]+(.+?)[ \t]*$", re.MULTILINE)
_CHECKBOX = re.compile(r"^- \[([ xX])\] (.+)$", re.MULTILINE)
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
REQUESTER_PREFIX = "github:"
"""Outside requesters are recorded as github:<login>, a namespace apart from staff handles."""

LABELS = {
    "exporter": "Exporter OID operation ID",
    "importer": "Importer OID operation ID",
    "mode": "Certificate",
    "service_level": "Service level",
    "product": "Product as labeled",
    "category": "Product category",
    "claim": "Organic claim",
    "organic_percent": "Organic content (%)",
    "tariff_code": "Tariff code",
    "net_weight": "Net weight (kg)",
    "lots": "Lot numbers",
    "produced_in": "Country of production",
    "processed_in": "Country of final processing",
    "city": "Destination city",
    "state": "Destination state",
    "destination": "Destination country",
    "importer_name": "Importer name",
    "importer_address": "Importer address",
    "importer_registration": "Importer registration ID",
    "transport": "Transport",
    "country_of_export": "Country of export",
    "port": "Port of lading or departure",
    "departure": "Departure date",
    "valid_from": "Valid from",
    "valid_to": "Valid to",
    "documents": "Supporting documents",
    "attestations": "Attestations",
}
"""Form field -> its label in the issue forms (a test keeps the two in step)."""

ATTESTATION_BOXES = {
    "The product was not fumigated with a prohibited substance": "no_prohibited_fumigation",
    "The product was not irradiated": "no_irradiation",
    "No antibiotics were used in producing the product": "no_antibiotics",
    "The product and its crops were produced without sodium nitrate": "no_sodium_nitrate",
    "The crops were not produced hydroponically or aeroponically": "not_hydroponic",
    "Non-ruminant livestock were raised at Canadian stocking rates": "stocking_rates_met",
    "The product contains no apples or pears produced with antibiotics": (
        "no_antibiotic_apples_pears"
    ),
}
ORGANIC_DOCUMENTS_BOX = "Every listed document describes the goods as organic"
DESK_FIELDS = re.compile(r"^/documents/\d+/reference$")
"""Confidential fields the schema requires that no form asks for: the desk fills them in."""
FOR_THE_DESK = "the desk fills this in from the documents you sent privately"
CHOICES = {
    "Single shipment": "single_shipment",
    "Multiple shipments": "multiple_shipments",
    "Time frame (several shipments)": "time_frame",
    "100% organic": "100_percent_organic",
    "Organic (at least 95%)": "organic",
    "Made with organic (at least 70%)": "made_with_organic",
    "Unprocessed plant product (crops, wild crops)": "unprocessed_plant",
    "Livestock product (meat, eggs, milk)": "livestock_product",
    "Processed food": "processed_food",
    "Feed": "feed",
    "Wine": "wine",
    "Other alcoholic beverage": "alcoholic_beverage",
    "Honey": "honey",
    "Aquaculture or algae": "aquaculture_algae",
    "Seed": "seed",
    "Non-food product": "non_food",
}
POINTER_FIELDS = {
    "/exporter": "exporter",
    "/importer/operation_id": "importer",
    "/importer/name": "importer",
    "/importer/address": "importer_address",
    "/importer/country": "destination",
    "/importer/registration_id": "importer_registration",
    "/mode": "mode",
    "/service_level": "service_level",
    "/products/0/name_as_labeled": "product",
    "/products/0/category": "category",
    "/products/0/claim": "claim",
    "/products/0/organic_percent": "organic_percent",
    "/products/0/tariff_code": "tariff_code",
    "/products/0/net_weight_kg": "net_weight",
    "/products/0/lots": "lots",
    "/products/0/produced_in": "produced_in",
    "/products/0/processed_in": "processed_in",
    "/products/0": "product",
    "/destination/city": "city",
    "/destination/state": "state",
    "/destination/country": "destination",
    "/transport/mode": "transport",
    "/transport/country_of_export": "country_of_export",
    "/transport/port_of_lading": "port",
    "/transport/port_of_departure": "port",
    "/transport/departure_date": "departure",
    "/time_frame/valid_from": "valid_from",
    "/time_frame/valid_to": "valid_to",
    "/documents": "documents",
    "/attestations": "attestations",
}


@dataclass
class Intake:
    """The outcome: the request file's text (if one could be built) and what is wrong."""

    path: Path | None = None
    text: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(form field label, message)"""
    for_desk: list[Finding] = field(default_factory=list)
    """Findings at confidential fields the desk fills in: they do not hold the request up."""
    documents: list[str] = field(default_factory=list)
    """The titles of the documents the client is to send privately."""
    desk_email: str = ""


def parse_form(body: str) -> tuple[dict[str, str], list[str]]:
    """The answers of an issue form body (label -> text, "" for no response), and the labels
    that appear more than once: an answer typed with a "### Label" line of its own."""
    if len(body.encode("utf-8")) > MAX_BODY:
        raise UsageError(f"the issue is larger than {MAX_BODY // 1024} KiB; shorten it")
    body = body.replace("\r\n", "\n")
    matches = list(_SECTION.finditer(body))
    answers: dict[str, str] = {}
    repeated = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        value = body[match.end() : end].strip()
        label = match[1].strip()
        if label in answers:
            repeated.append(label)
            continue
        answers[label] = "" if value == NO_RESPONSE else value[:MAX_ANSWER]
    return answers, repeated


def requester(login: str) -> str:
    """The issue author's GitHub login as a preparer, ``github:<login>``: whoever filed the
    issue, it never reads as a staff handle."""
    bare = login.removeprefix(REQUESTER_PREFIX)
    if not _LOGIN.match(bare):
        raise UsageError(f"{login[:60]!r} is not a GitHub login (letters, digits, single hyphens)")
    return REQUESTER_PREFIX + bare


def intake(
    lifecycle: Lifecycle,
    kind: str,
    body: str,
    by: str,
    base: str | None,
    request_id: str | None = None,
) -> Intake:
    """The request an issue form's ``body`` asks for, filed by the GitHub user ``by``, under
    the next free ID or, when given, ``request_id`` (a request intake wrote before)."""
    by = requester(by)
    answers, repeated = parse_form(body)
    answer = {name: answers.get(label, "") for name, label in LABELS.items()}
    titles = {kind.title for kind in lifecycle.ref.records.document_kinds.values()}
    result = Intake(
        documents=[title for title in _ticked(answer["documents"]) if title in titles],
        desk_email=lifecycle.ref.certifier.email,
    )
    result.problems += [
        (label, "appears twice: an answer may not contain a line starting with ###")
        for label in dict.fromkeys(repeated)
    ]
    if _typed_lines(answer["documents"]):
        result.problems.append((LABELS["documents"], _typed_documents_message()))
    missing = [LABELS[name] for name in _required(kind) if not answer[name]]
    result.problems += [(label, "this field is required") for label in missing]
    if not answer["exporter"] or answer["exporter"] not in lifecycle.ref.operations:
        if answer["exporter"]:
            result.problems.append(
                (
                    LABELS["exporter"],
                    f"operation {_quoted(answer['exporter'])} "
                    "is not in our OID snapshot; check the ID in OID",
                )
            )
        return result
    data = _request(lifecycle, kind, answer, by, base, request_id)
    result.text = lifecycle.render(data)
    year = str(data["id"]).split("-")[1]
    result.path = lifecycle.project.requests_dir / year / f"{data['id']}.yaml"
    display = str(result.path.relative_to(lifecycle.project.root))
    left_empty = lifecycle.errors_of(result.text, display)
    result.for_desk = [replace(f, message=FOR_THE_DESK) for f in left_empty if _for_desk(f)]
    # a schema finding stops the rules, so the rules judge the request with the desk's fields
    # given a stand-in; the file keeps them empty, and they hold nothing else up
    findings = lifecycle.errors_of(lifecycle.render(_with_stand_ins(data)), display)
    told = {label for label, _ in result.problems}
    result.problems += [(_label_of(f), f.message) for f in findings if _label_of(f) not in told]
    return result


def _for_desk(finding: Finding) -> bool:
    return bool(DESK_FIELDS.match(finding.pointer))


def _with_stand_ins(data: CommentedMap) -> CommentedMap:
    """A copy of ``data`` whose empty document references read "to be filled in", for the
    check only: it is never written."""
    copy = deepcopy(data)
    for document in copy["documents"]:
        document["reference"] = document["reference"] or "to be filled in by the desk"
    return copy


def _typed_documents_message() -> str:
    return (
        "write no document numbers or references in the issue, which others can read: delete "
        "them, tick the documents instead, and email the documents to the certificate desk "
        "(see Send privately below)"
    )


def _required(kind: str) -> list[str]:
    common = [
        "exporter",
        "service_level",
        "product",
        "category",
        "claim",
        "tariff_code",
        "net_weight",
        "lots",
        "produced_in",
        "transport",
        "country_of_export",
    ]
    if kind == "import":
        return [*common, "importer", "mode", "city", "state"]
    return [*common, "destination", "importer_name", "importer_address", "departure"]


def _request(
    lifecycle: Lifecycle,
    kind: str,
    answer: dict[str, str],
    by: str,
    base: str | None,
    request_id: str | None,
) -> CommentedMap:
    year = lifecycle.today().year
    data = CommentedMap()
    data["id"] = request_id or lifecycle.next_id(kind, year, base)
    data["kind"] = kind
    if kind == "import":
        data["mode"] = CHOICES.get(answer["mode"], answer["mode"]) or None
    data["prepared_by"] = by
    data["requested_at"] = lifecycle.now()
    data["service_level"] = answer["service_level"].split(" ")[0] or None
    data["status"] = "requested"
    exporter = lifecycle.ref.operations[answer["exporter"]]
    if kind == "export":
        market = lifecycle.ref.market_for(answer["destination"])
        data["document_type"] = market.document_type
    data["exporter"] = CommentedMap(operation_id=exporter.operation_id, name=exporter.name)
    data["importer"] = _importer(lifecycle, kind, answer)
    data["products"] = CommentedSeq([_product(answer)])
    _route(data, kind, answer)
    if kind == "export":
        category = CHOICES.get(answer["category"], answer["category"])
        terms = market.terms_on(_terms_day(lifecycle, answer))
        statements = terms.statements if terms else ()
        data["statements"] = CommentedSeq(s.id for s in statements if s.applies_to(category))
    data["attestations"] = _attestations(lifecycle, answer)
    data["documents"] = _documents(lifecycle, answer)
    return data


def _terms_day(lifecycle: Lifecycle, answer: dict[str, str]) -> date:
    """The day whose arrangement terms the draft follows: the departure date if given and
    valid, otherwise today."""
    try:
        return date.fromisoformat(answer["departure"])
    except ValueError:
        return date.fromisoformat(lifecycle.now()[:10])


def _importer(lifecycle: Lifecycle, kind: str, answer: dict[str, str]) -> CommentedMap:
    if kind == "import":
        known = lifecycle.ref.operations.get(answer["importer"])
        return CommentedMap(
            operation_id=answer["importer"] or None, name=known.name if known else None
        )
    importer = CommentedMap(
        name=answer["importer_name"] or None,
        address=_one_line(answer["importer_address"]) or None,
        country=answer["destination"] or None,
    )
    if answer["importer_registration"]:
        importer["registration_id"] = answer["importer_registration"]
    return importer


def _product(answer: dict[str, str]) -> CommentedMap:
    product = CommentedMap()
    product["name_as_labeled"] = answer["product"] or None
    product["category"] = CHOICES.get(answer["category"], answer["category"]) or None
    product["claim"] = CHOICES.get(answer["claim"], answer["claim"]) or None
    if answer["organic_percent"]:
        product["organic_percent"] = _number(answer["organic_percent"])
    product["tariff_code"] = answer["tariff_code"] or None
    product["net_weight_kg"] = _number(answer["net_weight"])
    product["lots"] = CommentedSeq(_lines(answer["lots"]) or [None])
    product["produced_in"] = answer["produced_in"].upper() or None
    if answer["processed_in"]:
        product["processed_in"] = answer["processed_in"].upper()
    return product


def _route(data: CommentedMap, kind: str, answer: dict[str, str]) -> None:
    transport = CommentedMap(
        mode=answer["transport"] or None,
        country_of_export=answer["country_of_export"].upper() or None,
    )
    port_field = "port_of_lading" if kind == "import" else "port_of_departure"
    if answer["port"]:
        transport[port_field] = answer["port"]
    if kind == "import":
        data["destination"] = CommentedMap(
            country="US", city=answer["city"] or None, state=answer["state"].upper() or None
        )
    else:
        data["destination"] = CommentedMap(country=answer["destination"].upper() or None)
    if data.get("mode") == "time_frame":
        data["transport"] = transport
        data["time_frame"] = CommentedMap(
            valid_from=answer["valid_from"] or None, valid_to=answer["valid_to"] or None
        )
    else:
        transport["departure_date"] = answer["departure"] or None
        data["transport"] = transport


def _attestations(lifecycle: Lifecycle, answer: dict[str, str]) -> CommentedMap:
    """Each box ticked is attested true; a box required but not ticked is recorded false."""
    ticked = _ticked(answer["attestations"])
    attestations = CommentedMap()
    for label, attestation in ATTESTATION_BOXES.items():
        if label in ticked:
            attestations[attestation] = True
        elif lifecycle.ref.records.attestations[attestation].always_required:
            attestations[attestation] = False
    return attestations


def _documents(lifecycle: Lifecycle, answer: dict[str, str]) -> CommentedSeq:
    """One entry a document ticked (boxes named as in data/records.yaml), its reference left
    empty: the client sends the document privately and the desk fills it in."""
    organic = ORGANIC_DOCUMENTS_BOX in _ticked(answer["attestations"])
    by_title = {kind.title: kind.id for kind in lifecycle.ref.records.document_kinds.values()}
    return CommentedSeq(
        CommentedMap(type=by_title.get(title, title), reference=None, identifies_organic=organic)
        for title in _ticked(answer["documents"])
    )


def _ticked(text: str) -> list[str]:
    """The labels of the boxes ticked in a checkboxes answer, in order."""
    return [box[2].strip() for box in _CHECKBOX.finditer(text) if box[1] != " "]


def _typed_lines(text: str) -> list[str]:
    """Lines of a checkboxes answer that are not boxes: text typed into the issue."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not _CHECKBOX.match(line)]


def _lines(text: str) -> list[str]:
    return [line.strip().lstrip("-* ").strip() for line in text.splitlines() if line.strip()]


def _one_line(text: str) -> str:
    return ", ".join(_lines(text))


def _number(text: str) -> Any:
    cleaned = text.replace(",", "").replace(" ", "").removesuffix("kg")
    try:
        value = float(cleaned)
    except ValueError:
        return text or None
    return int(value) if value.is_integer() else value


def _quoted(text: str) -> str:
    return f"“{text[:60]}”"


def _label_of(finding: Finding) -> str:
    pointer = finding.pointer
    while pointer:
        name = POINTER_FIELDS.get(pointer)
        if name:
            return LABELS[name]
        pointer = pointer.rsplit("/", 1)[0]
    return "Request"


def carried_over(old: str | None, new: str) -> str:
    """The text to write over a request intake wrote before (``old``): ``new``, or ``old``
    itself when the two differ only in when they were requested, so that an edit of the issue
    that changes nothing in the request changes nothing in the branch."""
    if old is None:
        return new
    editor = yaml_editor()
    try:
        before, after = editor.load(old), editor.load(new)
    except YAMLError:
        return new
    if isinstance(before, dict) and isinstance(after, dict):
        before.pop("requested_at", None)
        after.pop("requested_at", None)
    return old if before == after else new


def comment(result: Intake, kind: str, pull: int | None = None) -> str:
    """The Markdown comment for the issue; every text from the issue is escaped. ``pull`` is
    the number of the request's pull request, when it has one."""
    what = "NOP Import Certificate" if kind == "import" else "export certificate"
    where = f"Pull request #{pull}" if pull else "A pull request"
    if not result.problems and result.path is not None:
        lines = [
            f"Thank you: this {what} request is complete. {where} adds it as "
            f"`{result.path.name}`; a certification specialist reviews it there.",
        ]
    else:
        lines = [f"This {what} request cannot be submitted yet. Edit the issue to fix:", ""]
        lines += [
            f"- **{issue_text(label)}**: {issue_text(message)}"
            for label, message in result.problems
        ]
        lines += ["", "The request is checked again each time the issue is edited."]
        if pull:
            lines += [f"Pull request #{pull} keeps the request as it was before this edit."]
    return "\n".join([*lines, "", _send_privately(result)]) + "\n"


def _send_privately(result: Intake) -> str:
    """What goes to the desk by email, never into the issue."""
    documents = ", ".join(issue_text(title) for title in result.documents) or "the documents"
    desk = result.desk_email or "the certificate desk"  # from data/certifier.yaml, not the issue
    return (
        f"**Send privately**, by email to {desk}, naming this issue: {documents}. Their numbers "
        "and any prices, contacts or notes for the reviewer stay out of the issue; the desk "
        "fills in the references from the documents you send."
    )
