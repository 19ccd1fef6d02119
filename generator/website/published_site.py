"""A built site read back, from its folder or its address: its published keys, the register's
entry for a certificate, and any of its files."""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cryptography import x509

from generator.errors import UsageError
from generator.record.keys import KeyRing, PublishedKey
from generator.website.register import fnv1a, normalize

_JSONP = re.compile(rb'^certgen\.deliver\("[^"]*",(.*)\);\s*$', re.DOTALL)


class PublishedSite:
    """A built site, read back from its folder or from its address."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.is_url = location.startswith(("http://", "https://"))
        if not self.is_url and not Path(location, "keys").is_dir():
            raise UsageError(f"{location} is not a built certgen site (it has no keys/ folder)")

    def read(self, relative: str) -> bytes | None:
        if not self.is_url:
            path = Path(self.location, relative)
            return path.read_bytes() if path.is_file() else None
        url = self.location.rstrip("/") + "/" + relative
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise UsageError(f"{url}: {error}") from error
        except OSError as error:
            raise UsageError(f"{url} could not be read: {error}") from error

    def keyring(self) -> KeyRing:
        """The published signing keys, with their certificate chains (``keys/jwks.json``)."""
        content = self.read("keys/jwks.json")
        if content is None:
            raise UsageError(f"{self.location} publishes no keys/jwks.json")
        keys: dict[bytes, PublishedKey] = {}
        for jwk in json.loads(content).get("keys", []):
            for der in jwk.get("x5c", []):
                raw = base64.b64decode(der)
                keys.setdefault(raw, PublishedKey(x509.load_der_x509_certificate(raw), "jwks"))
        return KeyRing(tuple(keys.values()))

    def entry(self, certificate_id: str) -> dict[str, Any] | None:
        """The register's entry for a certificate ID or number, from the lookup files."""
        meta = self._jsonp("data/lookup/meta.js")
        if not isinstance(meta, dict):
            return None
        key = normalize(certificate_id)
        shard = self._jsonp(f"data/lookup/{fnv1a(key) % int(meta['shards']):04x}.js")
        found = shard.get(key) if isinstance(shard, dict) else None
        return found if isinstance(found, dict) else None

    def _jsonp(self, relative: str) -> Any:
        content = self.read(relative)
        match = _JSONP.match(content) if content else None
        return json.loads(match.group(1)) if match else None
