"""The certifier's published signing keys: the certificates in data/signing/ (public, kept
in the repository; private keys never are), with the key ID that signatures name.

Certificates of a certification authority (basic constraints CA) are trust anchors; the
others are document-signing keys, current or retired: every one of them stays published, so
that certificates signed years ago still verify.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from generator.errors import CertgenError


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(key: Any) -> dict[str, str]:
    """The public key as a JWK (RFC 7517), P-256 or RSA."""
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        numbers = key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }
    if isinstance(key, rsa.RSAPublicKey):
        rsa_numbers = key.public_numbers()
        n, e = rsa_numbers.n, rsa_numbers.e
        return {
            "kty": "RSA",
            "n": b64url(n.to_bytes((n.bit_length() + 7) // 8, "big")),
            "e": b64url(e.to_bytes((e.bit_length() + 7) // 8, "big")),
        }
    raise CertgenError("a signing key must be ECDSA P-256 or RSA")


def key_id(key: Any) -> str:
    """The RFC 7638 thumbprint of the public key: what a signature names as its ``kid``."""
    jwk = public_jwk(key)
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def algorithm(key: Any) -> str:
    return "ES256" if isinstance(key, ec.EllipticCurvePublicKey) else "RS256"


@dataclass(frozen=True)
class PublishedKey:
    certificate: x509.Certificate
    file_name: str

    @cached_property
    def kid(self) -> str:
        return key_id(self.certificate.public_key())

    @property
    def is_authority(self) -> bool:
        try:
            constraints = self.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        except x509.ExtensionNotFound:
            return False
        return constraints.value.ca

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def jwk(self, chain: list[PublishedKey]) -> dict[str, Any]:
        """The JWK with its ID, its certificate chain (x5c) and its validity period."""
        key = self.certificate.public_key()
        der = [k.certificate.public_bytes(serialization.Encoding.DER) for k in [self, *chain]]
        return public_jwk(key) | {
            "kid": self.kid,
            "use": "sig",
            "alg": algorithm(key),
            "x5c": [base64.b64encode(d).decode("ascii") for d in der],
            "valid_from": self.certificate.not_valid_before_utc.isoformat(),
            "valid_to": self.certificate.not_valid_after_utc.isoformat(),
            "subject": self.subject,
        }


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[PublishedKey, ...]

    @classmethod
    def load(cls, folder: Path) -> KeyRing:
        """Every certificate in ``folder`` (``*.pem``, one or more each), sorted by file."""
        keys = []
        for path in sorted(folder.glob("*.pem")) if folder.is_dir() else ():
            try:
                certificates = x509.load_pem_x509_certificates(path.read_bytes())
            except ValueError as error:
                raise CertgenError(f"{path} is not a PEM certificate: {error}") from error
            keys += [PublishedKey(c, path.name) for c in certificates]
        return cls(tuple(keys))

    @property
    def authorities(self) -> list[PublishedKey]:
        return [k for k in self.keys if k.is_authority]

    @property
    def signing_keys(self) -> list[PublishedKey]:
        return [k for k in self.keys if not k.is_authority]

    def find(self, kid: str) -> PublishedKey | None:
        return next((k for k in self.signing_keys if k.kid == kid), None)

    def chain(self, key: PublishedKey) -> list[PublishedKey]:
        """The authorities that issued ``key``, up to a root."""
        chain: list[PublishedKey] = []
        current = key
        while current.certificate.issuer != current.certificate.subject:
            issuer = next(
                (
                    a
                    for a in self.authorities
                    if a.certificate.subject == current.certificate.issuer
                ),
                None,
            )
            if issuer is None or issuer in chain:
                break
            chain.append(issuer)
            current = issuer
        return chain

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.jwk(self.chain(k)) for k in self.signing_keys]}
