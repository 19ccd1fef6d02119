"""Signing issued certificates by the certifier's document-signing key: a PAdES signature on
each PDF, and a detached JWS (RFC 7515 with RFC 7797 unencoded payload) on each JSON record.

The key is configured from the environment, never from the repository:

- ``CERTGEN_SIGNING_PKCS12`` names a PKCS#12 file (in the Publish workflow, written from a
  secret of its protected environment) and ``CERTGEN_SIGNING_PASSPHRASE`` holds its
  passphrase;
- or ``CERTGEN_SIGNING_PKCS11_MODULE`` names a PKCS#11 module (an HSM or a token), with
  ``CERTGEN_SIGNING_PKCS11_TOKEN`` (token label), ``CERTGEN_SIGNING_PKCS11_KEY`` (key and
  certificate label) and ``CERTGEN_SIGNING_PKCS11_PIN``; it needs ``pip install
  'certgen[hsm]'``.

Any pyHanko ``Signer`` fits behind ``DocumentSigner``, so a remote signing service (a Cloud
Signature Consortium provider: pyHanko's ``CSCSigner``) is one more branch here. Without a
key, builds are previews: marked as previews, not valid, and unsigned.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from generator.errors import CertgenError, UsageError
from generator.record.keys import algorithm, b64url, key_id

if TYPE_CHECKING:  # pyHanko takes a quarter of a second to import: only builds that sign do
    from pyhanko.sign import signers

PKCS12_FILE = "CERTGEN_SIGNING_PKCS12"
PKCS12_PASSPHRASE = "CERTGEN_SIGNING_PASSPHRASE"
PKCS11_MODULE = "CERTGEN_SIGNING_PKCS11_MODULE"
PKCS11_TOKEN = "CERTGEN_SIGNING_PKCS11_TOKEN"
PKCS11_KEY = "CERTGEN_SIGNING_PKCS11_KEY"
PKCS11_PIN = "CERTGEN_SIGNING_PKCS11_PIN"
SIGNATURE_FIELD = "CertifierSignature"
T = TypeVar("T")


class DocumentSigner:
    """The certifier's document-signing key, behind any pyHanko signer."""

    def __init__(self, signer: signers.Signer) -> None:
        if signer.signing_cert is None:
            raise CertgenError("the signing key has no certificate")
        self.signer = signer

    @cached_property
    def certificate(self) -> x509.Certificate:
        assert self.signer.signing_cert is not None
        return x509.load_der_x509_certificate(self.signer.signing_cert.dump())

    @cached_property
    def kid(self) -> str:
        return key_id(self.certificate.public_key())

    @cached_property
    def algorithm(self) -> str:
        return algorithm(self.certificate.public_key())

    def sign_json(self, payload: bytes) -> bytes:
        """A compact JWS of ``payload`` (its exact bytes, not re-encoded), with the payload
        left out: ``header..signature``."""
        header = {"alg": self.algorithm, "b64": False, "crit": ["b64"], "kid": self.kid}
        protected = b64url(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())
        raw = self._sign_raw(protected.encode() + b"." + payload)
        if isinstance(self.certificate.public_key(), ec.EllipticCurvePublicKey):
            r, s = decode_dss_signature(raw)  # JWS wants r and s side by side, not DER
            raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{protected}..{b64url(raw)}".encode("ascii")

    @property
    def deterministic(self) -> bool:
        """Whether the same payload always gets the same signature (a key in memory: ECDSA
        by RFC 6979, or RSA PKCS#1 v1.5), so that signatures need not be kept."""
        return self._key_in_memory is not None

    @property
    def fork_safe(self) -> bool:
        """Whether forked worker processes may sign: a key in memory may; a PKCS#11 session
        or a remote service's connection is not to be shared across a fork."""
        return self._key_in_memory is not None

    def _sign_raw(self, data: bytes) -> bytes:
        """The signature of ``data`` as the key gives it (DER for ECDSA); a key in memory signs
        at once, others (tokens, remote services) through pyHanko's asynchronous interface."""
        key = self._key_in_memory
        if isinstance(key, ec.EllipticCurvePrivateKey):  # RFC 6979: the same bytes each time
            return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return _outside_event_loop(lambda: asyncio.run(self.signer.async_sign_raw(data, "sha256")))

    @cached_property
    def _key_in_memory(self) -> object | None:
        """The private key of a signer that holds it in memory (a PKCS#12 file), loaded once."""
        from pyhanko.sign import signers

        if not isinstance(self.signer, signers.SimpleSigner):
            return None
        return serialization.load_der_private_key(self.signer.signing_key.dump(), password=None)

    def sign_pdf(self, pdf: bytes, certifier_name: str) -> bytes:
        """``pdf`` with a PAdES (B-B) certification signature: no later change is allowed."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        metadata = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
            reason=f"Certificate issued by {certifier_name}",
            name=certifier_name,
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        signed = _outside_event_loop(
            lambda: signers.sign_pdf(writer, metadata, signer=self.signer).getvalue()
        )
        return bytes(signed)


def _outside_event_loop(work: Callable[[], T]) -> T:
    """``work()``, run in a thread of its own when this one already runs an event loop
    (pyHanko drives its signers with asyncio.run, which refuses to nest)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def signer_from_environment() -> DocumentSigner | None:
    """The signer the environment configures, or None for a preview build."""
    if os.environ.get(PKCS12_FILE):
        return DocumentSigner(_pkcs12(os.environ[PKCS12_FILE]))
    if os.environ.get(PKCS11_MODULE):
        return DocumentSigner(_pkcs11())
    return None


def _pkcs12(path: str) -> signers.Signer:
    from pyhanko.sign import signers

    passphrase = os.environ.get(PKCS12_PASSPHRASE)
    if not os.path.isfile(path):
        raise UsageError(f"{PKCS12_FILE} names {path}, which is not a file")
    signer: signers.Signer | None = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
        path, passphrase=passphrase.encode() if passphrase else None
    )
    if signer is None:
        raise UsageError(
            f"the PKCS#12 file named by {PKCS12_FILE} could not be opened: check the file and "
            f"{PKCS12_PASSPHRASE}"
        )
    return signer


def _pkcs11() -> signers.Signer:

    try:
        from pkcs11.exceptions import PKCS11Error
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
    except ImportError as error:
        raise UsageError("PKCS#11 signing needs pip install 'certgen[hsm]'") from error
    label = os.environ.get(PKCS11_KEY)
    try:
        session = open_pkcs11_session(
            os.environ[PKCS11_MODULE],
            token_criteria=TokenCriteria(label=os.environ.get(PKCS11_TOKEN)),
            user_pin=os.environ.get(PKCS11_PIN),
        )
    except (PKCS11Error, OSError) as error:  # the PIN is never shown
        raise UsageError(
            f"the PKCS#11 token could not be opened ({type(error).__name__}): check "
            f"{PKCS11_MODULE}, {PKCS11_TOKEN} and {PKCS11_PIN}"
        ) from None
    # the digest is taken here, the token signs it: tokens (SoftHSM among them) that lack the
    # combined hash-and-sign mechanisms still work
    signer: signers.Signer = PKCS11Signer(
        session, cert_label=label, key_label=label, use_raw_mechanism=True
    )
    return signer
