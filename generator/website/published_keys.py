"""The certifier's signing keys on the site: ``keys/jwks.json`` (every signing key, current
and retired, with its ID, certificate chain and validity), each certificate as PEM under
``keys/``, and ``data/keys.js`` for the Verify page (which works from disk too)."""

from __future__ import annotations

import json
from functools import partial

from generator.record.keys import KeyRing
from generator.website.output_folder import Planned, content_key
from generator.website.register import jsonp


def key_files(ring: KeyRing) -> dict[str, Planned]:
    jwks = ring.jwks()
    key = content_key("keys", [k.pem for k in ring.keys])
    text = json.dumps(jwks, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    files = {
        "keys/jwks.json": Planned(key, lambda: text.encode("utf-8")),
        "data/keys.js": Planned(key, lambda: jsonp("keys", jwks)),
    }
    for published in ring.keys:
        name = f"keys/{published.file_name.removesuffix('.pem')}-{published.kid[:12]}.pem"
        files[name] = Planned(content_key(published.pem), partial(bytes, published.pem))
    return files
