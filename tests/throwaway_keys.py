"""Throwaway signing keys made in the test: a certification authority and document-signing
certificates under it, as PKCS#12 files with a passphrase. No key is ever committed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from generator.record.signing import DocumentSigner

PASSPHRASE = "throwaway passphrase for tests"
START = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Throwaway Test Certifier"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        ]
    )


def make_authority(common_name: str = "Throwaway Test Document CA") -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Authority(certificate, key)


def make_signing_key(
    authority: Authority, folder: Path, name: str = "Throwaway Test Certifier"
) -> tuple[Path, x509.Certificate]:
    """A document-signing certificate under ``authority``: its PKCS#12 file (with
    PASSPHRASE) written in ``folder``, and the certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + datetime.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(authority.key, hashes.SHA256())
    )
    bundle = pkcs12.serialize_key_and_certificates(
        name.encode(),
        key,
        certificate,
        [authority.certificate],
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    path = folder / f"signing-{certificate.serial_number:x}.p12"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bundle)
    return path, certificate


def key_environment(p12: Path) -> dict[str, str]:
    """The environment that makes certgen sign with the key in ``p12``."""
    return {"CERTGEN_SIGNING_PKCS12": str(p12), "CERTGEN_SIGNING_PASSPHRASE": PASSPHRASE}


def publish_throwaway_key(
    project: Path, secrets: Path, authority: Authority | None = None
) -> dict[str, str]:
    """A signing key under ``authority`` (a new one by default) whose public certificates go to
    the project's data/signing/, as an admin publishes them; returns the environment that
    makes certgen sign with it. The PKCS#12 file goes to ``secrets``, outside the project."""
    authority = authority or make_authority()
    p12, certificate = make_signing_key(authority, secrets)
    signing = project / "data" / "signing"
    (signing / "authority.pem").write_bytes(authority.pem())
    name = f"signing-{certificate.serial_number:x}.pem"
    (signing / name).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_environment(p12)


def built_with_key(project: Path, environment: dict[str, str]) -> None:
    """``certgen build`` in ``project`` with the signing key of ``environment``."""
    import pytest

    from tests.helpers import run

    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        code, out, err = run(["build"], project)
    assert code == 0, out + err


def forger(folder: Path, name: str = "Throwaway Test Certifier") -> DocumentSigner:
    """A signer under an authority of its own, which the certifier never published: what a
    forger would sign with, under the certifier's name."""
    from pyhanko.sign import signers

    p12, _ = make_signing_key(make_authority("Forged Document CA"), folder, name=name)
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASSPHRASE.encode())  # type: ignore[no-untyped-call]
    assert signer is not None
    return DocumentSigner(signer)
