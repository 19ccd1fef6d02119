"""Site stage, MkDocs side: the pages generated from data/, the rule registry and the schemas.

Every value from data goes through ``escape_markdown`` (the environment's ``finalize``), so a
name containing Markdown or HTML is shown as text; values that must stay raw (ids in
attributes, URLs) are marked with the ``raw`` filter.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from generator.check.catalog import STAGE_TITLES, all_codes
from generator.check.decide import calendar_for
from generator.check.reference_data import Reference, ServiceLevel
from generator.check.words import (
    ANIMAL_WORDS,
    CATEGORY_WORDS,
    CHOICE_WORDS,
    CLAIM_WORDS,
    ISSUED_IN_WORDS,
    OPERATION_STATUS_WORDS,
    ORIGIN_WORDS,
    SCOPE_WORDS,
)
from generator.findings import Code
from generator.record.public import OID_PROFILE, country_name
from generator.website.render import long_date, zone_words

SHELL_PAGE = "certificates/shell.md"
TITLE_MARKER = "CERTGEN_TITLE_MARKER"
CONTENT_MARKER = '<h1 id="certgen-content">CERTGEN_CONTENT_MARKER</h1>'
_MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|"
_TARIFF_WORDS = {
    "hts10": "10-digit HTS code",
    "cn8": "8-digit CN code",
    "hs6": "HS code, 6 digits or more",
}


def escape_markdown(value: Any) -> Any:
    """Text that Markdown shows as written: HTML escaped, Markdown punctuation backslashed."""
    if isinstance(value, Markup) or value is None:
        return value
    text = html.escape(str(value), quote=False)
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIALS else ch for ch in text)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generator.website", "templates/pages"),
        autoescape=False,
        finalize=escape_markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        raw=Markup,
        long_date=long_date,
        country=country_name,
        status_words=OPERATION_STATUS_WORDS.__getitem__,
        scope_words=SCOPE_WORDS.__getitem__,
        animal_words=ANIMAL_WORDS.__getitem__,
        issued_in_words=ISSUED_IN_WORDS.__getitem__,
        category_words=CATEGORY_WORDS.__getitem__,
        claim_words=CLAIM_WORDS.__getitem__,
        origin_words=ORIGIN_WORDS.__getitem__,
        zone_words=zone_words,
    )
    return env


def _render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)


def generated_pages(ref: Reference, schema_dir: Path, today: date) -> dict[str, str]:
    """Every generated page of the site (Markdown) and the published schemas (JSON)."""
    context = _common_context(ref)
    pages = {
        "index.md": _render("index.md.j2", **context),
        "guidance/documents.md": _render("guidance/documents.md.j2", **context, today=today),
        "guidance/eligibility.md": _render("guidance/eligibility.md.j2", **context),
        "guidance/fees.md": _render("guidance/fees.md.j2", **context, **_fees(ref, today)),
        "guidance/records.md": _render("guidance/records.md.j2", **context, **_records(ref)),
        "guidance/time-frame.md": _render("guidance/time-frame.md.j2", **context),
        "guidance/addendum.md": _render("guidance/addendum.md.j2", **context),
        "guidance/trainings.md": _render("guidance/trainings.md.j2", **context),
        "guidance/contact.md": _render("guidance/contact.md.j2", **context, **_contact(ref)),
        "guidance/request.md": _render("guidance/request.md.j2", **context),
        "operations.md": _render("operations.md.j2", **context, **_operations(ref)),
        "reference/rules.md": _render("reference/rules.md.j2", stages=_rule_stages()),
        "reference/format.md": _render("reference/format.md.j2", sections=_format(schema_dir)),
        SHELL_PAGE: _render("shell.md.j2"),
    }
    for schema in sorted(schema_dir.rglob("*.schema.json")):
        pages[f"schemas/{schema.relative_to(schema_dir).as_posix()}"] = schema.read_text("utf-8")
    pages["schemas/request.schema.js"] = _schema_script(schema_dir / "request.schema.json", ref)
    return pages


def _schema_script(path: Path, ref: Reference) -> str:
    """The request schema as a script for the request page, which works from disk too, with
    the words its choices are listed in (window.certgenRequestLabels), the fields whose ids
    are chosen from a list in words (window.certgenRequestChoices), and the help a client
    reads under a field in place of the schema's, which names data files and ids
    (window.certgenRequestHelp)."""
    payload = json.dumps(json.loads(path.read_text("utf-8")), ensure_ascii=False)
    statements = {
        statement.id: statement.text
        for market in ref.markets.values()
        for terms in market.terms
        for statement in terms.statements
    }
    labels = (
        CHOICE_WORDS
        | {key: kind.title for key, kind in ref.document_types.items()}
        | {key: _service_words(level, ref.currency) for key, level in ref.service_levels.items()}
        | {key: kind.title for key, kind in ref.records.document_kinds.items()}
        | statements
    )
    choices = {
        "service_level": list(ref.service_levels),
        "documents.type": list(ref.records.document_kinds),
        "statements": sorted(statements),
    }
    script = "".join(
        f"window.{name}={json.dumps(value, ensure_ascii=False, sort_keys=True)};"
        for name, value in (
            ("certgenRequestLabels", labels),
            ("certgenRequestChoices", choices),
            ("certgenRequestHelp", REQUEST_HELP),
        )
    )
    return f'{script}certgen.deliver("request-schema",{payload});\n'.replace("</", "<\\/")


def _service_words(level: ServiceLevel, currency: str) -> str:
    days = "1 business day" if level.business_days == 1 else f"{level.business_days} business days"
    return f"{level.title}: {days}, {currency} {level.fee:,.2f}"


REQUEST_HELP = {
    "service_level": "The turnaround you ask for and pay for (see Fees and turnaround).",
    "document_type": "The document the destination requires (see Which document for which "
    "destination): the EU, Northern Ireland and Switzerland take a certificate of inspection in "
    "TRACES, Great Britain the GB certificate of inspection, Japan and Taiwan a TM-11, Korea a "
    "NAQS certificate, Canada the arrangement attestation, other countries a transaction "
    "certificate.",
    "destination": "The country the shipment goes to. It decides the document, the statements "
    "and the attestations.",
    "statements": "The statements the destination requires on the document (for Canada, on "
    "the trade documents); choose each from the list.",
    "attestations": "Your attestations about this shipment: no prohibited fumigation and no "
    "irradiation always, plus those the destination requires (no antibiotics for the EU, for "
    "example).",
    "mode": "One shipment with a planned departure date; several shipments of a designated "
    "total quantity; or a time frame in which a designated quantity is shipped.",
    "time_frame": "For a time-frame certificate: the period in which the designated quantity "
    "may be shipped. Our policy limits its length, the transport modes and the origins.",
    "exporter": "A certified operation, named by its operation ID in the USDA Organic "
    "INTEGRITY Database.",
    "importer": "The importer, named as on the trade documents.",
    "products.category": "What kind of product it is. Destinations restrict some categories: "
    "Korea takes processed products only; Japan excludes honey, alcohol, feed and non-food.",
    "products.claim": "The labeling category: 100% organic, organic (at least 95%), or made "
    "with organic (at least 70%, specified ingredients).",
    "products.organic_status": "Organic, or in conversion for a product of land in "
    "conversion. Not stated: organic.",
    "products.lots": "The lot numbers of the goods, as on the packages and trade documents: "
    "each a lot number, or a lot number with its net weight, which a TM-11 prints as the "
    "marked weight of the lot.",
    "documents.type": "The kind of document (see Records that must identify products as organic).",
    "transport.mode": "How the consignment travels: by truck, rail, ocean or air.",
    "products.tariff_code": "Import: the 10-digit HTSUS code (the certified organic "
    "statistical line where one exists), for example 0804.40.0010. Export: the code the "
    "destination uses: the 8-digit CN code for the EU and Great Britain (0804 40 00), at least "
    "6 HS digits elsewhere.",
    "exporter.operation_id": "The exporter's 10-digit operation ID in the USDA Organic "
    "INTEGRITY Database. Example: 5550000101.",
    "transport.transport_document.type": "Bill of lading (ocean, truck), air waybill, rail "
    "waybill or road consignment note (CMR).",
}
"""Help in words for the fields whose schema description names data files or ids, by the
field's path without item numbers; the page shows no description that still names one."""


def _common_context(ref: Reference) -> dict[str, Any]:
    levels = sorted(ref.service_levels.values(), key=lambda level: level.business_days)
    return {
        "certifier": ref.certifier,
        "currency": ref.currency,
        "service_levels": list(ref.service_levels.values()),
        "fastest": levels[0],
        "slowest": levels[-1],
        "document_types": list(ref.document_types.values()),
        "document_types_by_id": ref.document_types,
        "markets": list(ref.markets.values()),
        "attestations": ref.records.attestations,
        "always_attestations": [a for a in ref.records.attestations.values() if a.always_required],
        "tariff_words": _TARIFF_WORDS,
        "time_frame": ref.time_frame,
        "multiple_shipments": ref.multiple_shipments,
        "amendments": ref.amendments,
        "trainings": ref.trainings,
        "calendar": ref.calendar,
    }


def _fees(ref: Reference, today: date) -> dict[str, Any]:
    calendar = calendar_for(ref.calendar)
    year = today.year
    days = [
        date.fromordinal(n)
        for n in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1)
    ]
    closures = [(day.isoformat(), calendar.closure(day)) for day in days]
    return {
        "year": year,
        "closures": [(day, name) for day, name in closures if name and name != "weekend"],
        "supplements": sorted(ref.document_supplements.items()),
        "supplement_reasons": ref.supplement_reasons,
    }


def _records(ref: Reference) -> dict[str, Any]:
    records = ref.records
    return {
        "always_required": records.always_required,
        "document_kinds": records.document_kinds,
        "transport_documents": sorted(records.transport_documents.items()),
        "phytosanitary_for": sorted(records.phytosanitary_categories),
    }


def _contact(ref: Reference) -> dict[str, Any]:
    contact = ref.certifier
    return {"phone": contact.phone, "hours": contact.office_hours, "address": contact.address}


@dataclass(frozen=True)
class _OperationRow:
    name: str
    operation_id: str
    country: str
    certifier: str | None
    scopes: frozenset[str]
    soe_compliant: bool
    addendum_markets: frozenset[str] | None
    current: Any


def _operations(ref: Reference) -> dict[str, Any]:
    rows = [
        _OperationRow(
            o.name,
            o.operation_id,
            o.country,
            o.certifier,
            o.scopes,
            o.soe_compliant,
            o.addendum_markets,
            o.status_history[-1],
        )
        for o in sorted(ref.operations.values(), key=lambda o: o.operation_id)
    ]
    code = ref.certifier.code
    return {
        "clients": [r for r in rows if r.operation_id.startswith(code)],
        "partners": [r for r in rows if not r.operation_id.startswith(code)],
        "snapshot": ref.snapshot_taken_on.isoformat(),
        "oid_profile": OID_PROFILE,
    }


@dataclass(frozen=True)
class _DocumentedCode:
    code: str
    name: str
    severity: str
    summary: Markup
    why: tuple[Markup, ...]
    source: Markup | None
    """The Source: paragraph's text: where the requirement comes from."""
    fix: tuple[Markup, ...]


def _rule_stages() -> list[tuple[str, list[_DocumentedCode]]]:
    stages: dict[str, list[_DocumentedCode]] = {}
    for code in all_codes().values():
        stages.setdefault(STAGE_TITLES[code.stage], []).append(_documented(code))
    return list(stages.items())


def _documented(code: Code) -> _DocumentedCode:
    """A code's docstring split for the page: summary, why, Source: and Fix: paragraphs."""
    paragraphs = [" ".join(p.split()) for p in code.doc.strip().split("\n\n") if p.strip()]
    sources = [i for i, p in enumerate(paragraphs) if p.startswith("Source:")]
    at = sources[0] if sources else len(paragraphs)
    source = paragraphs[at].removeprefix("Source:").strip() if sources else None
    return _DocumentedCode(
        code.code,
        code.name,
        str(code.severity),
        _doc_markdown(code.summary),
        tuple(_doc_markdown(p) for p in paragraphs[1:at]),
        _doc_markdown(source) if source else None,
        tuple(_doc_markdown(p) for p in paragraphs[at + 1 :]),
    )


_DOC_MARKUP = re.compile(r"``(.+?)``|<(https?://[^>\s]+)>")


def _doc_markdown(text: str) -> Markup:
    """Docstring text as Markdown: ``code`` as code, <URL> as a link named by its site (the
    text before it names the page), the rest as written."""
    parts, end = [], 0
    for match in _DOC_MARKUP.finditer(text):
        code, url = match.groups()
        parts.append(escape_markdown(text[end : match.start()]))
        parts.append(f"`{code}`" if code else _link(url))
        end = match.end()
    parts.append(escape_markdown(text[end:]))
    return Markup("".join(parts))


def _link(url: str) -> str:
    site = urlsplit(url).netloc.removeprefix("www.")
    return f"[{escape_markdown(site)}]({url})"


@dataclass(frozen=True)
class _Field:
    path: str
    required: bool
    type: str
    title: str
    description: str
    allowed: tuple[str, ...]
    example: str | None
    confidential: bool
    business: bool = False
    """Business information that the form shows (x-business): issue #8's publication policy
    decides who may see it."""


def _format(schema_dir: Path) -> list[dict[str, Any]]:
    schema = json.loads((schema_dir / "request.schema.json").read_text("utf-8"))
    sections = []
    for name, title in (
        ("import_request", "Import requests"),
        ("export_request", "Export requests"),
    ):
        definition = schema["$defs"][name]
        sections.append(
            {
                "title": title,
                "description": definition["description"],
                "fields": list(_fields(definition, schema, "")),
            }
        )
    return sections


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: dict[str, Any] = schema
    for step in ref[2:].split("/"):
        target = target[step]
    merged = dict(_resolve(target, schema))
    merged.update({k: v for k, v in node.items() if k != "$ref"})
    return merged


def _fields(node: dict[str, Any], schema: dict[str, Any], prefix: str) -> Any:
    node = _resolve(node, schema)
    required = set(node.get("required", ()))
    for key, child in node.get("properties", {}).items():
        child = _resolve(child, schema)
        path = f"{prefix}{key}"
        yield _field(path, key in required, child)
        if child.get("type") == "object" and "properties" in child:
            yield from _fields(child, schema, f"{path}.")
        items = child.get("items")
        if isinstance(items, dict):
            items = _resolve(items, schema)
            if "properties" in items:
                yield from _fields(items, schema, f"{path}[].")


def _field(path: str, required: bool, node: dict[str, Any]) -> _Field:
    allowed = tuple(str(v) for v in node.get("enum", ()))
    if "const" in node:
        allowed = (str(node["const"]),)
    examples = node.get("examples")
    return _Field(
        path=path,
        required=required,
        type=_type_words(node),
        title=node.get("title", ""),
        description=node.get("description", ""),
        allowed=allowed,
        example=json.dumps(examples[0], ensure_ascii=False) if examples else None,
        confidential=bool(node.get("x-confidential")),
        business=bool(node.get("x-business")),
    )


def _type_words(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if kind == "array":
        return "list"
    if kind == "object":
        return "mapping"
    if "format" in node:
        return {"date": "date", "date-time": "date and time", "email": "email"}.get(
            node["format"], str(node["format"])
        )
    return {
        "string": "text",
        "number": "number",
        "integer": "whole number",
        "boolean": "true/false",
    }.get(str(kind), "text")
