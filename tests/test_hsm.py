"""Signing with a key in a PKCS#11 token: SoftHSM (Debian's softhsm2), a real PKCS#11 module,
with a token, key and certificate made in the test (softhsm2-util, and pkcs11-tool from
OpenSC). .ci/run installs both and the hsm extra (python-pkcs11)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)

from generator.project import Project
from tests.helpers import holder_details, holder_pdf, make_project, run
from tests.throwaway_keys import PASSPHRASE, make_authority, make_signing_key

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN = "123456"


def tool(*command: str, env: dict[str, str]) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.fixture
def token(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A SoftHSM token holding a throwaway signing key and its certificate; yields the
    environment that makes certgen sign with it, and publishes the certificates in a
    project at tmp_path/repo."""
    for needed in ("softhsm2-util", "pkcs11-tool"):
        if shutil.which(needed) is None or not MODULE.is_file():
            pytest.fail(f"{needed} or {MODULE} is missing: apt-get install softhsm2 opensc")
    (tmp_path / "tokens").mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    env = os.environ | {"SOFTHSM2_CONF": str(config)}
    tool(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        "certgen",
        "--pin",
        PIN,
        "--so-pin",
        "654321",
        env=env,
    )
    authority = make_authority()
    p12, certificate = make_signing_key(authority, tmp_path / "secrets")
    key, _, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), PASSPHRASE.encode())
    assert key is not None
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    (tmp_path / "cert.der").write_bytes(certificate.public_bytes(Encoding.DER))
    tool(
        "softhsm2-util",
        "--import",
        str(tmp_path / "key.pem"),
        "--token",
        "certgen",
        "--label",
        "signing",
        "--id",
        "01",
        "--pin",
        PIN,
        env=env,
    )
    tool(
        "pkcs11-tool",
        "--module",
        str(MODULE),
        "--login",
        "--pin",
        PIN,
        "--token-label",
        "certgen",
        "--write-object",
        str(tmp_path / "cert.der"),
        "--type",
        "cert",
        "--label",
        "signing",
        "--id",
        "01",
        env=env,
    )
    (tmp_path / "key.pem").unlink()
    project = make_project(tmp_path / "repo", True, True)
    signing = Project(project).signing_dir
    (signing / "authority.pem").write_bytes(authority.pem())
    (signing / "signing.pem").write_bytes(certificate.public_bytes(Encoding.PEM))
    yield {
        "SOFTHSM2_CONF": str(config),
        "CERTGEN_SIGNING_PKCS11_MODULE": str(MODULE),
        "CERTGEN_SIGNING_PKCS11_TOKEN": "certgen",
        "CERTGEN_SIGNING_PKCS11_KEY": "signing",
        "CERTGEN_SIGNING_PKCS11_PIN": PIN,
    }


def test_a_build_signed_by_a_pkcs11_token_verifies(token: dict[str, str], tmp_path: Path) -> None:
    project = tmp_path / "repo"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in token.items():
            patch.setenv(name, value)
        code, out, err = run(["build"], project)
    assert code == 0, out + err
    site = project / "build" / "site"
    for certificate_id in ("IC-2026-0001", "EC-2026-0005"):
        pdf = tmp_path / f"{certificate_id}.pdf"  # as its holder's key opens it
        pdf.write_bytes(holder_pdf(site, certificate_id))
        code, out, err = run(["verify", str(pdf), "--site", str(site)], project)
        assert code == 0, out + err
        assert "PDF signature valid" in out
        record = tmp_path / f"{certificate_id}.json"  # the signed record alone
        record.write_text(holder_details(site, certificate_id)["record"], "utf-8")
        code, out, err = run(["verify", str(record), "--site", str(site)], project)
        assert code == 0, out + err


def test_a_wrong_pin_is_a_clear_refusal(token: dict[str, str], tmp_path: Path) -> None:
    """In a process of its own: a PKCS#11 module, once loaded, stays logged in."""
    env = os.environ | token | {"CERTGEN_SIGNING_PKCS11_PIN": "000000"}
    completed = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--no-pdf"],
        cwd=tmp_path / "repo",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert "PKCS#11 token could not be opened" in completed.stderr
    assert "000000" not in completed.stderr and "Traceback" not in completed.stderr
