"""What an issued certificate publishes: the record as issued, in canonical JSON, with the
SHA-256 digest of that JSON, and its status today.

The record is made once, when the certificate is issued, and kept in records/ (frozen): it
holds the certifier's identity, the reviewer's name and the statements and attestations in
force that day, and never changes. Its status (issued, cancelled, superseded, expired) is
kept apart, from the request file and the build's date. Fields the request schema marks
``x-confidential`` are removed before anything else, so no output can carry them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, cached_property
from typing import Any

import pycountry

from generator.check.decide import Facts
from generator.check.reference_data import Operation, Reference
from generator.check.request import Request
from generator.check.transitions import PUBLISHED
from generator.fingerprints import canonical_json

OID_PROFILE = "https://organic.ams.usda.gov/integrity/CP/OPP?nopid={}"
CERTIFICATE_PATH = "certificates/{}.html"
EXTRA_COUNTRY_NAMES = {"XI": "Northern Ireland"}
DESTINATION_NAMES = {"GB": "Great Britain"}
"""Destinations whose market is narrower than the ISO country: GB is Great Britain, Northern
Ireland (XI) being a market of its own."""
CONTROL_BODY_PROGRAMS = {"traces_coi": "traces_control_body", "gb_coi": "gb_control_body"}
"""The accreditation (data/certifier.yaml) whose reference a document prints as the issuing
control body's code."""


@dataclass(frozen=True)
class Summary:
    """What registers, lookups and downloads show of a certificate: only what the publication
    policy (data/publication.yaml) and the client's consent make public; None otherwise."""

    number: str
    title: str
    document_type: str
    status: str
    issued_on: str
    url: str
    exporter: str | None = None
    exporter_id: str | None = None
    importer: str | None = None
    destination_country: str | None = None
    destination_name: str | None = None
    products: str | None = None
    net_weight_kg: float | None = None


STATUS_FIELDS = ("status", "cancellation", "superseded_by")
"""What changes after issuance: kept beside the frozen record, never in it."""
AS_ISSUED = {"status": "as_issued", "cancellation": None, "superseded_by": None}
"""What a PDF shows: the record as issued, its status today left to the register (a PDF in
someone's hands cannot follow a later cancellation)."""


@dataclass(frozen=True)
class Draft:
    """A certificate before the build's "as of" date is known: kept compact (the frozen
    record's bytes, its status and a summary) because a register holds a hundred thousand."""

    id: str
    canonical: bytes
    status: dict[str, Any]
    summary: Summary
    valid_to: str | None
    visible: frozenset[str]
    """The record fields the public sees (the policy's, and those the client consented to)."""


@dataclass(frozen=True)
class PublicCertificate:
    id: str
    year: int
    canonical: bytes
    """The record as issued (what certificates/<id>.json holds), in canonical form."""
    digest: str
    summary: Summary
    status_fields: dict[str, Any]
    """Its status today: ``status``, ``cancellation`` and ``superseded_by``."""
    visible: frozenset[str] = frozenset()
    """The record fields the public sees; the others only its holder."""

    @cached_property
    def status_key(self) -> str:
        """A key of what its public files are made from: the record (its digest), what is
        public of it and its status (computed once, and kept with it in the check cache)."""
        parts = (self.digest, sorted(self.visible), sorted(self.status_fields.items()))
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()

    @property
    def public_record(self) -> dict[str, Any]:
        """What the public may read of the record: its visible fields, its digest and its
        status today. Everything else is for the holder, encrypted."""
        return self.public_of(json.loads(self.canonical))

    def public_of(self, parsed: dict[str, Any]) -> dict[str, Any]:
        """``public_record`` from the record already parsed (``json.loads(canonical)``: a
        certificate's files parse it once), which is left as it is."""
        shown = {k: v for k, v in parsed.items() if k in self.visible}
        return shown | {"sha256": self.digest} | self.status_fields

    @property
    def record(self) -> dict[str, Any]:
        """The record with today's status, parsed afresh on each access: registers keep only
        the bytes, and whoever renders a certificate keeps the record while it needs it."""
        return self.record_of(json.loads(self.canonical))

    def record_of(self, parsed: dict[str, Any]) -> dict[str, Any]:
        """``record`` from the record already parsed, which is left as it is."""
        return parsed | self.status_fields

    @property
    def as_issued(self) -> dict[str, Any]:
        """The record as it was the day it was issued (what its PDF shows)."""
        parsed: dict[str, Any] = json.loads(self.canonical)
        return parsed | AS_ISSUED

    @property
    def status(self) -> str:
        return self.summary.status

    @property
    def number(self) -> str:
        return self.summary.number


def is_published(data: dict[str, Any]) -> bool:
    return data.get("status") in PUBLISHED


def issued_record(
    request: Request, facts: Facts, ref: Reference, schema: dict[str, Any], site_url: str
) -> bytes:
    """The record of a request as issued today: what records/<year>/<id>.json keeps."""
    data = strip_confidential(request.data, schema, schema)
    return canonical_json(_record(data, request, facts, ref, site_url))


def draft_of(
    data: dict[str, Any],
    frozen: bytes,
    record: dict[str, Any],
    schema: dict[str, Any],
    site_url: str,
    visible: frozenset[str],
) -> Draft:
    """The certificate of an issued request: its frozen record (the bytes, and the record
    they hold) and, from the request file, its status."""
    own = {key: data[key] for key in _STATUS_MEMBERS if key in data}
    public = strip_confidential(own, schema, schema)  # a member is stripped on its own
    status = {
        "status": public["status"],
        "cancellation": _cancellation(public.get("cancellation")),
        "superseded_by": _link(public.get("superseded_by"), site_url),
    }
    shown = record | status
    validity = shown.get("validity")
    valid_to = validity["to"] if validity else None
    return Draft(shown["id"], frozen, status, _summary(shown, visible), valid_to, visible)


_STATUS_MEMBERS = ("status", "cancellation", "superseded_by")
"""What a certificate's status is drafted from of its request (the rest is in its record)."""


def finalize(draft: Draft, as_of: date) -> PublicCertificate:
    """The published certificate as of a date: expiry applied to its status."""
    summary, status = draft.summary, draft.status
    current = status_of(summary.status, draft.valid_to, as_of)
    if current != summary.status:
        summary, status = replace(summary, status=current), status | {"status": current}
    year = int(draft.id.split("-")[1])
    digest = hashlib.sha256(draft.canonical).hexdigest()
    return PublicCertificate(
        draft.id, year, draft.canonical, digest, summary, status, draft.visible
    )


def _summary(record: dict[str, Any], visible: frozenset[str]) -> Summary:
    """The summary of a record: what ``visible`` lets the public see of it."""
    shown: dict[str, Any] = {}
    if "exporter" in visible:
        shown |= {
            "exporter": record["exporter"]["name"],
            "exporter_id": record["exporter"]["operation_id"],
        }
    if "importer" in visible:
        shown["importer"] = record["importer"]["name"]
    if "destination" in visible:
        destination = record["destination"]
        shown |= {
            "destination_country": destination["country"],
            "destination_name": destination["country_name"],
        }
    if "products" in visible:
        products = record["products"]
        shown |= {
            "products": "; ".join(p["name_as_labeled"] for p in products),
            "net_weight_kg": sum(p["net_weight_kg"] for p in products),
        }
    return Summary(
        number=record["number"],
        title=record["document"]["title"],
        document_type=record["document"]["type"],
        status=record["status"],
        issued_on=record["issued_on"],
        url=record["url"],
        **shown,
    )


def latest_date(data: dict[str, Any]) -> date:
    """The latest day of a decision a request records (received, issued, cancelled); the
    build's "as of" date is the latest of all. Shipment dates are left out: one typed in the
    future would move every public page forward with it."""
    days = [data["requested_at"][:10]]
    for section, field in (("issuance", "issued_on"), ("cancellation", "cancelled_on")):
        part = data.get(section)
        if isinstance(part, dict) and field in part:
            days.append(part[field])
    return max(date.fromisoformat(day) for day in days)


def strip_confidential(value: Any, schema: Any, root: dict[str, Any]) -> Any:
    """``value`` without the members that ``schema`` (or any branch of it) marks x-confidential."""
    if isinstance(value, dict):
        members = _members(schema, root)
        kept = {}
        for key, member in value.items():
            confidential, schemas = members.get(key, (False, ()))
            if confidential:
                continue
            for sub in schemas:
                if isinstance(member, (dict, list)) and _reaches_confidential(sub, root):
                    member = strip_confidential(member, sub, root)
            kept[key] = member
        return kept
    if isinstance(value, list):
        stripped = value
        for sub in _items(schema, root):
            stripped = [strip_confidential(v, sub, root) for v in stripped]
        return stripped
    return value


_MEMBERS: dict[int, dict[str, tuple[bool, tuple[dict[str, Any], ...]]]] = {}
_ITEMS: dict[int, tuple[dict[str, Any], ...]] = {}


def _members(schema: Any, root: dict[str, Any]) -> dict[str, tuple[bool, tuple[Any, ...]]]:
    """For each property a schema (with all its branches) declares: whether any branch marks
    it confidential, and the property's schemas. Worked out once per schema node."""
    key = id(schema)
    if key not in _MEMBERS:
        collected: dict[str, list[dict[str, Any]]] = {}
        for branch in _branches(schema, root):
            for name, sub in branch.get("properties", {}).items():
                collected.setdefault(name, []).extend(_branches(sub, root))
        _MEMBERS[key] = {
            name: (any(s.get("x-confidential") for s in subs), tuple(subs))
            for name, subs in collected.items()
        }
    return _MEMBERS[key]


_REACHES: dict[int, bool] = {}


def _reaches_confidential(schema: Any, root: dict[str, Any]) -> bool:
    """Whether anything inside values of this schema can be confidential (memoised)."""
    key = id(schema)
    if key not in _REACHES:
        _REACHES[key] = False  # guards against a recursive schema
        members = _members(schema, root).values()
        _REACHES[key] = any(
            confidential or any(_reaches_confidential(s, root) for s in subs)
            for confidential, subs in members
        ) or any(_reaches_confidential(s, root) for s in _items(schema, root))
    return _REACHES[key]


def _items(schema: Any, root: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    key = id(schema)
    if key not in _ITEMS:
        _ITEMS[key] = tuple(
            s["items"] for s in _branches(schema, root) if isinstance(s.get("items"), dict)
        )
    return _ITEMS[key]


def _branches(schema: Any, root: dict[str, Any]) -> list[dict[str, Any]]:
    """A schema with its $ref target and every allOf/then/else branch, recursively."""
    if not isinstance(schema, dict):
        return []
    found = [schema]
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for step in ref[2:].split("/"):
            target = target[step]
        found += _branches(target, root)
    for part in schema.get("allOf", ()):
        found += _branches(part, root)
    for clause in ("then", "else"):
        found += _branches(schema.get(clause), root)
    return found


@cache
def country_name(code: str) -> str:
    if code in EXTRA_COUNTRY_NAMES:
        return EXTRA_COUNTRY_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    return str(getattr(country, "common_name", None) or country.name) if country else code


def status_of(status: str, valid_to: str | None, as_of: date) -> str:
    """The published status; a time-frame certificate past its validity shows as expired."""
    if status in ("issued", "expired") and valid_to:
        return "expired" if date.fromisoformat(valid_to) < as_of else "issued"
    return status


def _record(
    data: dict[str, Any], request: Request, facts: Facts, ref: Reference, site_url: str
) -> dict[str, Any]:
    issuance = data["issuance"]
    reviewer = ref.certifier.staff.get(issuance["reviewer"])
    return {
        "id": request.id,
        "number": issuance.get("official_number") or request.id,
        "url": site_url + CERTIFICATE_PATH.format(request.id),
        "kind": data["kind"],
        "mode": data.get("mode"),
        "document": {
            "type": facts.document_type.id,
            "title": facts.document_type.title,
            "issued_in": facts.document_type.issued_in,
        },
        "issued_on": issuance["issued_on"],
        "reviewer": reviewer.name if reviewer else issuance["reviewer"],
        "certifier": _certifier(ref, facts.document_type.id),
        "exporter": _party(data["exporter"], ref),
        "importer": _party(data["importer"], ref),
        "consignee": _optional_party(data.get("consignee"), ref),
        "ultimate_consignee": _optional_party(data.get("ultimate_consignee"), ref),
        "producer": _optional_party(data.get("producer"), ref),
        "trader": _optional_party(data.get("trader"), ref),
        "control_bodies": _control_bodies(data, ref, facts.document_type.id),
        "destination": _destination(data["destination"], facts),
        "arrangement": _arrangement(facts),
        "products": [_product(p) for p in data["products"]],
        "transport": _transport(data["transport"]),
        "validity": _validity(data.get("time_frame")),
        "shipments": [_shipment(s) for s in data.get("shipments", ())],
        "statements": [{"id": s.id, "text": s.text} for s in facts.statements],
        "attestations": [
            {"id": a, "text": ref.records.attestations[a].text}
            for a in data["attestations"]
            if data["attestations"][a] is True and a in ref.records.attestations
        ],
        "supporting_documents": sorted({d["type"] for d in data["documents"]}),
        "supersedes": _link(data.get("supersedes"), site_url),
    }


def _certifier(ref: Reference, document_type: str) -> dict[str, Any]:
    certifier = ref.certifier
    result: dict[str, Any] = {
        "name": certifier.name,
        "nop_certifier_code": certifier.code,
        "website": certifier.website,
    }
    if certifier.postal_address is not None:
        result["address"] = certifier.postal_address.line
        result["country"] = certifier.postal_address.country
        result["country_name"] = country_name(certifier.postal_address.country)
    accreditation = certifier.accreditation("usda_nop")
    result["accreditation"] = accreditation.title if accreditation else None
    program = CONTROL_BODY_PROGRAMS.get(document_type)
    control_body = certifier.accreditation(program) if program else None
    result["control_body_code"] = control_body.reference if control_body else None
    return result


def _party(party: dict[str, Any], ref: Reference) -> dict[str, Any]:
    operation: Operation | None = ref.operations.get(party.get("operation_id", ""))
    if operation is not None:
        result = {
            "name": operation.name,
            "operation_id": operation.operation_id,
            "oid_profile": OID_PROFILE.format(operation.operation_id),
            "country": operation.country,
            "country_name": country_name(operation.country),
            "certifier": operation.certifier or ref.certifier.name,
        }
        if operation.address is not None and operation.address.line:
            result["address"] = operation.address.line
        return result
    result = {"name": party["name"]}
    for field in ("address", "registration_id", "operation_id", "control_body"):
        if field in party:
            result[field] = party[field]
    if "country" in party:
        result["country"] = party["country"]
        result["country_name"] = country_name(party["country"])
    return result


def _optional_party(party: dict[str, Any] | None, ref: Reference) -> dict[str, Any] | None:
    return None if party is None else _party(party, ref)


def _control_bodies(
    data: dict[str, Any], ref: Reference, document_type: str
) -> list[dict[str, Any]]:
    """Box 7 of a certificate of inspection: the control body, with its code, of each operator
    named in boxes 4 to 6 (producer or processor, exporter, trader)."""
    found = []
    for role in ("producer", "exporter", "trader"):
        party = data.get(role)
        if party is None:
            continue
        operation = ref.operations.get(party.get("operation_id", ""))
        body: dict[str, Any] | None
        if operation is not None and operation.certifier is None:
            ours = _certifier(ref, document_type)
            body = {
                "name": ours["name"],
                "code": ours["control_body_code"] or ours["nop_certifier_code"],
            }
        elif operation is not None:
            body = {"name": operation.certifier, "code": None}
        else:
            declared = party.get("control_body")
            body = {"name": declared["name"], "code": declared.get("code")} if declared else None
        operator = operation.name if operation is not None else party["name"]
        found.append({"role": role, "operator": operator, "control_body": body})
    return found


def _arrangement(facts: Facts) -> dict[str, str | None] | None:
    """The arrangement in force for the shipment and the procedure wording (box 2) the
    document prints, from data/destinations.yaml: templates hold no arrangement wording."""
    terms = facts.terms
    if terms is None or (terms.arrangement is None and terms.procedure is None):
        return None
    return {"name": terms.arrangement, "procedure": terms.procedure}


def _destination(destination: dict[str, Any], facts: Facts) -> dict[str, Any]:
    result = dict(destination)
    code = destination["country"]
    result["country_name"] = DESTINATION_NAMES.get(code) or country_name(code)
    result["market"] = facts.market.name if facts.market else "United States"
    return result


_PRODUCT_FIELDS = (
    "name_as_labeled",
    "organic_status",
    "category",
    "claim",
    "organic_percent",
    "tariff_code",
    "description",
    "net_weight_kg",
    "gross_weight_kg",
    "packages",
    "lots",
    "produced_in",
    "processed_in",
)


def _product(product: dict[str, Any]) -> dict[str, Any]:
    result = {field: product[field] for field in _PRODUCT_FIELDS if field in product}
    result.setdefault("organic_status", "organic")
    result["produced_in_name"] = country_name(product["produced_in"])
    if "processed_in" in product:
        result["processed_in_name"] = country_name(product["processed_in"])
    return result


def _transport(transport: dict[str, Any]) -> dict[str, Any]:
    result = dict(transport)
    result["country_of_export_name"] = country_name(transport["country_of_export"])
    return result


def _validity(period: dict[str, Any] | None) -> dict[str, str] | None:
    return {"from": period["valid_from"], "to": period["valid_to"]} if period else None


_SHIPMENT_FIELDS = (
    "shipped_on",
    "net_weight_kg",
    "lots",
    "transport_document",
    "vessel_or_flight",
    "containers",
)


def _shipment(shipment: dict[str, Any]) -> dict[str, Any]:
    return {k: shipment[k] for k in _SHIPMENT_FIELDS if k in shipment}


def _cancellation(cancellation: dict[str, Any] | None) -> dict[str, Any] | None:
    if cancellation is None:
        return None
    fields = ("cancelled_on", "reason", "note")
    return {field: cancellation[field] for field in fields if field in cancellation}


def _link(request_id: str | None, site_url: str) -> dict[str, str] | None:
    if request_id is None:
        return None
    return {"id": request_id, "url": site_url + CERTIFICATE_PATH.format(request_id)}
