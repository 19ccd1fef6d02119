"""Checking a certificate's signatures offline, against the certifier's published keys: the
detached JWS of a JSON record, and the PAdES signature of a PDF with the record and JWS it
carries as embedded files."""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from generator.record.keys import KeyRing, PublishedKey, algorithm, key_id

if TYPE_CHECKING:  # imported when a signature is checked: commands that check none start faster
    from asn1crypto import x509 as asn1_x509
    from joserfc.jwk import ECKey, RSAKey

RECORD_ATTACHMENT = "certificate.json"
SIGNATURE_ATTACHMENT = "certificate.json.jws"


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool
    valid: bool
    kid: str | None = None
    signer: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class PdfContents:
    signature: SignatureCheck
    record: bytes | None
    record_signature: bytes | None


def check_record_signature(record: bytes, token: bytes, ring: KeyRing) -> SignatureCheck:
    """Whether ``token`` (a detached compact JWS) is a valid signature of ``record`` by a
    published signing key."""
    header = _header(token)
    if header is None:
        return SignatureCheck(True, False, problem="the signature is not a detached JWS")
    kid = str(header.get("kid"))
    key = ring.find(kid)
    if key is None:
        return SignatureCheck(True, False, kid, problem=f"signed by an unknown key ({kid})")
    problem = _untrusted(key, ring)
    if problem:
        return SignatureCheck(True, False, kid, key.subject, problem)
    expected = algorithm(key.certificate.public_key())
    if header.get("alg") != expected:  # the key decides the algorithm, never the token
        problem = f"the signature claims algorithm {header.get('alg')!r}; this key signs {expected}"
        return SignatureCheck(True, False, kid, key.subject, problem)
    from joserfc import jws
    from joserfc.errors import JoseError

    try:
        jws.deserialize_compact(token, _jwk(key), algorithms=[expected], payload=record)
    except (JoseError, ValueError) as error:
        reason = "the record was changed after it was signed, or the signature is damaged"
        return SignatureCheck(True, False, kid, key.subject, f"{reason} ({error})")
    return SignatureCheck(True, True, kid, key.subject)


def check_pdf(pdf: bytes, ring: KeyRing) -> PdfContents:
    """The PDF's signature, checked against the published authorities, and its embedded
    record and record signature."""
    record, token = _attachments(pdf)
    return PdfContents(_pdf_signature(pdf, ring), record, token)


def _header(token: bytes) -> dict[str, Any] | None:
    parts = token.strip().split(b".")
    if len(parts) != 3 or parts[1]:
        return None
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + b"=" * (-len(parts[0]) % 4)))
    except (ValueError, binascii.Error):
        return None
    return header if isinstance(header, dict) else None


def _jwk(key: PublishedKey) -> ECKey | RSAKey:
    from joserfc.jwk import ECKey, RSAKey

    public = key.certificate.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        return ECKey.import_key(public)
    assert isinstance(public, rsa.RSAPublicKey)
    return RSAKey.import_key(public)


def _untrusted(key: PublishedKey, ring: KeyRing) -> str | None:
    """Why ``key`` is not to be trusted, if it is not: it must be issued by a published
    authority."""
    for authority in ring.authorities:
        try:
            key.certificate.verify_directly_issued_by(authority.certificate)
        except (ValueError, TypeError, Exception):
            continue
        return None
    return "the key's certificate was not issued by a published authority"


def _pdf_signature(pdf: bytes, ring: KeyRing) -> SignatureCheck:
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        return SignatureCheck(False, False, problem=f"not a readable PDF ({error})")
    if not signatures:
        return SignatureCheck(False, False, problem="the PDF carries no signature")
    signature = signatures[-1]
    signer_certificate = signature.signer_cert
    kid = key_id(_cryptography_certificate(signer_certificate).public_key())
    key = ring.find(kid)
    if key is None:
        return SignatureCheck(True, False, kid, problem=f"signed by an unknown key ({kid})")
    roots = [_asn1(a) for a in ring.authorities]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    with _quiet("pyhanko"):  # its own log of a tampered file's diff: the verdict says it
        status = validate_pdf_signature(signature, context)
    if not status.intact or not status.valid:
        problem = "the PDF was changed after it was signed, or the signature is damaged"
        return SignatureCheck(True, False, kid, key.subject, problem)
    if not status.trusted:
        problem = "the key's certificate does not chain to a published authority"
        return SignatureCheck(True, False, kid, key.subject, problem)
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        problem = "something was added to the PDF after it was signed"
        return SignatureCheck(True, False, kid, key.subject, problem)
    return SignatureCheck(True, True, kid, key.subject)


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _asn1(key: PublishedKey) -> asn1_x509.Certificate:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(key.certificate.public_bytes(serialization.Encoding.DER))


def _cryptography_certificate(certificate: asn1_x509.Certificate) -> Any:
    from cryptography import x509

    return x509.load_der_x509_certificate(certificate.dump())


def _attachments(pdf: bytes) -> tuple[bytes | None, bytes | None]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        attachments = PdfReader(io.BytesIO(pdf)).attachments
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return None, None
    records = attachments.get(RECORD_ATTACHMENT, [])
    tokens = attachments.get(SIGNATURE_ATTACHMENT, [])
    if len(records) > 1 or len(tokens) > 1:
        return None, None  # two files under one name: which one was signed is not clear
    return (records[0] if records else None), (tokens[0] if tokens else None)
