"""``certgen verify``: a certificate file (a PDF, or a JSON record with its signature) checked
offline: its signature against the certifier's published keys and, given the built site (a
folder, or its address), its content against the register and its status today."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from generator.check.words import STATUS_NOTES, STATUS_WORDS
from generator.errors import UsageError
from generator.record.keys import KeyRing
from generator.record.signatures import SignatureCheck, check_pdf, check_record_signature
from generator.website.published_site import PublishedSite


@dataclass
class Verdict:
    lines: list[str] = field(default_factory=list)
    valid: bool = False
    current: bool = False
    status_checked: bool = False

    def say(self, line: str) -> None:
        self.lines.append(line)


def verify(path: Path, ring: KeyRing, site: PublishedSite | None) -> Verdict:
    """Check ``path``: a PDF, or a JSON record (its signature from a ``.jws`` file beside it,
    else from the site's register)."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: {error}") from error
    verdict = Verdict()
    pdf_valid = True
    if content.startswith(b"%PDF"):
        contents = check_pdf(content, ring)
        verdict.say(f"{path}: PDF {_described(contents.signature)}")
        pdf_valid = contents.signature.valid
        record, signature = contents.record, contents.record_signature
        _same_pdf(content, record, site, verdict)
    else:
        record, signature = content, _json_signature(path, content, site)
    if record is None:
        verdict.say(f"{path}: carries no certificate record")
        return verdict
    verdict.valid = _record_signature(record, signature, ring, verdict) and pdf_valid
    _register(record, site, verdict)
    return verdict


def _json_signature(path: Path, record: bytes, site: PublishedSite | None) -> bytes | None:
    """A JSON record's signature: a ``.jws`` file beside it, else the register's."""
    beside = path.with_suffix(".jws")
    if beside.is_file():
        return beside.read_bytes()
    certificate_id = _record_id(record)
    entry = site.entry(certificate_id) if site is not None and certificate_id else None
    token = entry.get("jws") if entry else None
    return token.encode("ascii") if isinstance(token, str) else None


def _record_signature(
    record: bytes, signature: bytes | None, ring: KeyRing, verdict: Verdict
) -> bool:
    if signature is None:
        verdict.say(
            "record: UNSIGNED: no signature (a preview, or a record the site does not sign)"
        )
        return False
    check = check_record_signature(record, signature, ring)
    verdict.say(f"record {_record_id(record) or '?'}: {_described(check)}")
    return check.valid


def _register(record: bytes, site: PublishedSite | None, verdict: Verdict) -> None:
    certificate_id = _record_id(record)
    if site is None:
        verdict.say("register: not checked (give --site with the built site or its address)")
        return
    entry = site.entry(certificate_id) if certificate_id else None
    digest = hashlib.sha256(record).hexdigest()
    if entry is None:
        verdict.say(f"register: {certificate_id or 'this record'} is not in the register")
        return
    if entry.get("sha256") != digest:
        verdict.say(
            f"register: TAMPERED: the record differs from the one published (sha256 {digest})"
        )
        return
    status = str(entry.get("status"))
    replaced = f"; replaced by {entry['replaced_by']}" if entry.get("replaced_by") else ""
    words = STATUS_WORDS.get(status, status)
    note = STATUS_NOTES.get(status, "")
    verdict.say(
        f"register: matches the published record; status: {words}{replaced}"
        + (f" ({note[0].lower()}{note[1:].rstrip('.')})" if note else "")
    )
    verdict.status_checked, verdict.current = True, status == "issued"


def _same_pdf(
    content: bytes, record: bytes | None, site: PublishedSite | None, verdict: Verdict
) -> None:
    """Whether the PDF is the very file the site publishes (a copy made before a re-signing
    may differ and still be signed)."""
    certificate_id = _record_id(record) if record else None
    entry = site.entry(certificate_id) if site is not None and certificate_id else None
    published = entry.get("pdf_sha256") if entry else None
    if published:
        same = hashlib.sha256(content).hexdigest() == published
        verdict.say(
            "PDF: " + ("the file the site publishes" if same else "not the file the site publishes")
        )


def _described(check: SignatureCheck) -> str:
    if not check.signed:
        return f"UNSIGNED: {check.problem}"
    if not check.valid:
        return f"signature NOT VALID: {check.problem}"
    return f"signature valid, signed by {check.signer} (key {check.kid})"


def _record_id(record: bytes) -> str | None:
    try:
        value = json.loads(record).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
