"""``certgen show``: one request's derived facts (document, fee, due date, statements) and its
findings, as text or JSON."""

from __future__ import annotations

import json
from typing import Any

from generator.check.decide import Facts
from generator.check.document import Document
from generator.check.reference_data import Reference
from generator.check.report import text_line
from generator.findings import Finding


def facts_dict(document: Document, facts: Facts) -> dict[str, Any]:
    data = document.data
    level = facts.service_level
    return {
        "id": data["id"],
        "kind": data["kind"],
        "mode": data.get("mode"),
        "status": data["status"],
        "document_type": facts.document_type.id,
        "document_title": facts.document_type.title,
        "issued_in": facts.document_type.issued_in,
        "market": facts.market.id if facts.market else None,
        "service_level": level.id if level else None,
        "business_days": level.business_days if level else None,
        "received": facts.received.isoformat(),
        "clock_starts": facts.clock_starts.isoformat(),
        "due": facts.due.isoformat() if facts.due else None,
        "fee": None
        if facts.fee is None
        else {
            "currency": facts.fee.currency,
            "total": str(facts.fee.total),
            "lines": [{"item": item, "amount": str(amount)} for item, amount in facts.fee.lines],
        },
        "terms": None
        if facts.terms is None
        else {
            "arrangement": facts.terms.arrangement,
            "valid_from": str(facts.terms.valid_from) if facts.terms.valid_from else None,
            "valid_to": str(facts.terms.valid_to) if facts.terms.valid_to else None,
            "procedure": facts.terms.procedure,
            "sources": list(facts.terms.sources),
        },
        "statements": [{"id": s.id, "text": s.text} for s in facts.statements],
        "attestations": list(facts.attestations),
    }


def as_json(document: Document | None, facts: Facts | None, findings: list[Finding]) -> str:
    output = {
        "path": document.path if document else None,
        "facts": facts_dict(document, facts) if document and facts else None,
        "findings": [f.as_dict() for f in findings],
    }
    return json.dumps(output, indent=2, ensure_ascii=False) + "\n"


def as_text(
    document: Document | None,
    facts: Facts | None,
    findings: list[Finding],
    reference: Reference | None,
) -> str:
    lines = []
    if document is not None and facts is not None and reference is not None:
        lines += [document.path, *_fact_lines(document, facts, reference), ""]
    if findings:
        lines += [text_line(f) for f in findings]
    else:
        lines.append("no findings")
    return "\n".join(lines) + "\n"


def _fact_lines(document: Document, facts: Facts, reference: Reference) -> list[str]:
    data = document.data
    mode = f", {data['mode'].replace('_', ' ')}" if data.get("mode") else ""
    exporter = data.get("exporter") or {}
    rows = [
        ("request", f"{data['id']}: {data['kind']}{mode}, {data['status']}"),
        (
            "document",
            f"{facts.document_type.title}, issued in {facts.document_type.system}",
        ),
        ("destination", facts.market.name if facts.market else "United States"),
    ]
    if facts.market is not None:
        departure = (data.get("transport") or {}).get("departure_date")
        rows.append(("terms", _terms_line(facts, departure)))
    rows += [
        ("exporter", f"{exporter.get('operation_id', '?')} {exporter.get('name') or ''}".strip()),
        ("received", f"{facts.received:%Y-%m-%d %H:%M} {reference.calendar.timezone}"),
        ("clock starts", f"{facts.clock_starts:%Y-%m-%d (%a)}"),
    ]
    level = facts.service_level
    if level and facts.due and facts.fee:
        rows.append(("service level", f"{level.title}: {level.business_days} business day(s)"))
        rows.append(("due", f"{facts.due:%Y-%m-%d (%a)}"))
        breakdown = ", ".join(f"{item} {amount:.2f}" for item, amount in facts.fee.lines)
        rows.append(("fee", f"{facts.fee.currency} {facts.fee.total:.2f} ({breakdown})"))
    for statement in facts.statements:
        rows.append(("statement", f'{statement.id}: "{statement.text}"'))
    rows.append(("attestations", ", ".join(facts.attestations)))
    return [f"  {label:<14} {value}" for label, value in rows]


def _terms_line(facts: Facts, departure: object) -> str:
    """The arrangement terms in force on the departure date, or that none are."""
    terms = facts.terms
    if terms is None:
        return "none in force on the departure date (see D507)"
    name = terms.arrangement or "no trade arrangement"
    if not departure:
        return f"{name} ({terms.period}), in force today: the departure date decides"
    return f"{name} ({terms.period})"
