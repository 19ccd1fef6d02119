"""What only a certificate's holder reads: each certificate's details are published encrypted
under a key of its own, which the QR code and the printed link carry in the URL's fragment
(the part after ``#``, which browsers never send to a server).

A certificate's key is derived (HKDF-SHA256) from one secret that the Publish workflow holds
(``CERTGEN_HOLDER_SECRET``, never in the repository) and the certificate's ID, so a rebuild
makes the same keys and the same links. The details are sealed with AES-GCM, the
certificate's ID (and what the content is) as associated data; the key is 128 bits, which
keeps the link, and so the QR code, short; the nonce is derived from the
key and the content (a synthetic nonce), so a rebuild makes the same bytes and two different
contents under one key never share a nonce. A build without the secret uses a development
secret that anyone can know, and every page it makes says so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from generator.errors import UsageError

SECRET_VARIABLE = "CERTGEN_HOLDER_SECRET"
DEVELOPMENT_SECRET = b"certgen development secret: anyone can read what it protects"
MINIMUM_SECRET_BYTES = 32
KEY_SALT = b"certgen holder key v1"
KEY_BYTES = 16
NONCE_BYTES = 12


@dataclass(frozen=True)
class HolderKeys:
    """The keys of the holders' views, from the publishing secret."""

    secret: bytes
    development: bool

    @classmethod
    def from_environment(cls) -> HolderKeys:
        """The secret from ``CERTGEN_HOLDER_SECRET``, else the development secret."""
        value = os.environ.get(SECRET_VARIABLE)
        if not value:
            return cls(DEVELOPMENT_SECRET, True)
        secret = value.encode("utf-8")
        if len(secret) < MINIMUM_SECRET_BYTES:
            raise UsageError(
                f"{SECRET_VARIABLE} must be at least {MINIMUM_SECRET_BYTES} bytes "
                "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return cls(secret, False)

    @property
    def fingerprint(self) -> str:
        """Names the secret in content keys (files remade when it changes), revealing nothing."""
        return hashlib.sha256(b"certgen holder secret id\0" + self.secret).hexdigest()[:16]

    def key(self, certificate_id: str) -> bytes:
        return _derived(self.secret, certificate_id)

    def fragment(self, certificate_id: str) -> str:
        """The URL fragment that opens the certificate's details: ``key=<base64url>``."""
        return "key=" + _b64url(self.key(certificate_id))

    def link(self, url: str, certificate_id: str) -> str:
        """The certificate's address with its holder key (what the QR code and PDF carry)."""
        return f"{url}#{self.fragment(certificate_id)}"

    def seal(self, certificate_id: str, part: str, content: bytes) -> bytes:
        """``content`` encrypted for the certificate's holder: nonce followed by ciphertext
        and tag. ``part`` names what it is (``details``, ``pdf``), bound with the ID."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = self.key(certificate_id)
        nonce = hmac.new(key, b"certgen nonce\0" + content, hashlib.sha256).digest()
        nonce = nonce[:NONCE_BYTES]
        return nonce + AESGCM(key).encrypt(nonce, content, _associated(certificate_id, part))

    def open(self, certificate_id: str, part: str, sealed: bytes) -> bytes:
        """What ``seal`` sealed; raises ``cryptography.exceptions.InvalidTag`` otherwise."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = self.key(certificate_id)
        nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        return AESGCM(key).decrypt(nonce, ciphertext, _associated(certificate_id, part))


@lru_cache(maxsize=4096)
def _derived(secret: bytes, certificate_id: str) -> bytes:
    """A certificate's key (HKDF-SHA256), derived once for its link and its seals."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derive = HKDF(hashes.SHA256(), KEY_BYTES, KEY_SALT, certificate_id.encode("utf-8"))
    return derive.derive(secret)


def _associated(certificate_id: str, part: str) -> bytes:
    return f"certgen holder v1\0{certificate_id}\0{part}".encode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
