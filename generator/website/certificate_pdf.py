"""A certificate's PDF as issued and the signature of its JSON record: made once, signed when
the build has the certifier's key, and kept in the cache under the record's digest (and the
key's ID), so that an issued certificate's PDF and signature never change.

A signed PDF carries its JSON record and the record's signature as embedded files
(``certificate.json``, ``certificate.json.jws``), the way Factur-X invoices carry their XML:
whoever holds the PDF holds the signed record, and a verifier checks the one through the
other. Without a key, the PDF is a preview: marked as such, unsigned, with the record only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.errors import UsageError
from generator.files import write_atomically
from generator.record.holder import HolderKeys
from generator.record.keys import KeyRing
from generator.record.public import PublicCertificate
from generator.record.signatures import check_pdf, check_record_signature
from generator.record.signing import DocumentSigner
from generator.website.published_site import PublishedSite
from generator.website.render import certificate_fragment, pdf_bytes, pdf_html

RECORD_ATTACHMENT = "certificate.json"
SIGNATURE_ATTACHMENT = "certificate.json.jws"


@dataclass(frozen=True)
class Signing:
    signer: DocumentSigner | None
    """None for a preview build."""
    certifier_name: str
    ring: KeyRing
    """The published keys (data/signing/)."""
    earlier: PublishedSite | None = None
    """The site as published before: an issued PDF missing from the cache is taken from it,
    when it opens with the holder key, its signature verifies and it carries the frozen
    record."""
    holder: HolderKeys | None = None
    """The holder keys: the PDF's QR code and link carry the certificate's, and the PDFs
    published are sealed with it."""

    @property
    def holder_id(self) -> str:
        """Names the holder secret in cached PDFs' names (their QR codes carry its keys)."""
        return self.holder.fingerprint if self.holder else "nokey"

    @property
    def preview(self) -> bool:
        return self.signer is None

    @property
    def published_kids(self) -> tuple[str, ...]:
        """Every published signing key, this build's first: a certificate signed before by
        any of them stays so."""
        kids = tuple(k.kid for k in self.ring.signing_keys)
        if self.signer is None:
            return kids
        return (self.signer.kid, *(k for k in kids if k != self.signer.kid))


def record_signature(
    certificate: PublicCertificate, signing: Signing, cache_dir: Path | None
) -> bytes:
    """The detached JWS of the certificate's JSON record: made afresh by a deterministic key
    (the same bytes each time), else kept in the cache once made."""
    signer = signing.signer
    assert signer is not None
    if signer.deterministic:
        return signer.sign_json(certificate.canonical)
    found = _cached(cache_dir, "jws", certificate.digest, signing.published_kids, "jws")
    if found is not None:
        return found
    signature = signer.sign_json(certificate.canonical)
    _store(cache_dir, "jws", f"{certificate.digest}.{signer.kid}.jws", signature)
    return signature


def issued_pdf(
    certificate: PublicCertificate,
    qr: str,
    link: str,
    site_url: str,
    sample_data: bool,
    signing: Signing,
    cache_dir: Path | None,
) -> bytes:
    """The certificate's PDF as issued, its QR code and ``link`` opening its holder's view:
    signed, or a preview."""
    kids = ("preview",) if signing.preview else signing.published_kids
    suffix = f"{signing.holder_id}.pdf"
    found = _cached(cache_dir, "pdf", certificate.digest, kids, suffix)
    if found is None and not signing.preview:
        found = _published_before(certificate, signing, cache_dir)
    if found is not None:
        return found
    record = certificate.as_issued | {"url": link}
    base = site_url + "certificates/"
    fragment = certificate_fragment(
        record, certificate.digest, qr, base, sample_data, signing.preview
    )
    attachments = [(RECORD_ATTACHMENT, certificate.canonical)]
    issued_on = date.fromisoformat(record["issued_on"])
    if signing.signer is None:
        content = pdf_bytes(pdf_html(record, fragment), base, attachments, issued_on)
        _store(cache_dir, "pdf", f"{certificate.digest}.preview.{suffix}", content)
        return content
    signature = record_signature(certificate, signing, cache_dir)
    attachments.append((SIGNATURE_ATTACHMENT, signature))
    unsigned = pdf_bytes(pdf_html(record, fragment), base, attachments, issued_on)
    content = signing.signer.sign_pdf(unsigned, signing.certifier_name)
    _store(cache_dir, "pdf", f"{certificate.digest}.{signing.signer.kid}.{suffix}", content)
    return content


def _published_before(
    certificate: PublicCertificate, signing: Signing, cache_dir: Path | None
) -> bytes | None:
    """The PDF the earlier site published, if it is this certificate's, signed by a
    published key over the frozen record; kept in the cache from then on."""
    if signing.earlier is None or signing.holder is None:
        return None
    try:
        sealed = signing.earlier.read(f"certificates/{certificate.id}.pdf.enc")
    except UsageError:
        return None  # unreachable or refused: the PDF is made again
    content = _opened(signing.holder, certificate.id, sealed)
    if content is None:
        return None
    contents = check_pdf(content, signing.ring)
    if not contents.signature.valid or contents.record != certificate.canonical:
        return None
    token = contents.record_signature
    if token is None or not check_record_signature(contents.record, token, signing.ring).valid:
        return None
    name = f"{certificate.digest}.{contents.signature.kid}.{signing.holder_id}.pdf"
    _store(cache_dir, "pdf", name, content)
    return content


def _opened(holder: HolderKeys, certificate_id: str, sealed: bytes | None) -> bytes | None:
    """A published PDF, unsealed; None when there is none or it does not open with the key
    (sealed under another secret: the PDF is made again, with this secret's key)."""
    from cryptography.exceptions import InvalidTag

    if sealed is None:
        return None
    try:
        return holder.open(certificate_id, "pdf", sealed)
    except (InvalidTag, ValueError):
        return None


def _cached(
    cache_dir: Path | None, kind: str, digest: str, kids: tuple[str, ...], suffix: str
) -> bytes | None:
    if cache_dir is None:
        return None
    for kid in kids:
        path = cache_dir / kind / f"{digest}.{kid}.{suffix}"
        if path.is_file():
            return path.read_bytes()
    return None


def _store(cache_dir: Path | None, kind: str, name: str, content: bytes) -> None:
    if cache_dir is not None:
        write_atomically(cache_dir / kind / name, content)
