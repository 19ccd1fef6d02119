"""Signed certificates, with throwaway keys made in the test: PAdES-signed PDFs carrying their
record and its JWS, JSON records with detached JWS, the published keys, previews without a
key, key rotation, and ``certgen verify`` (offline, against the built site). The PDF and the
record as issued are published sealed for the certificate's holder: the tests open them with
the holder's key, as the holder does, and verify the files the holder keeps."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from joserfc import jws
from joserfc.jwk import KeySet
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from generator.project import Project
from generator.record.holder import HolderKeys
from generator.website.published_site import PublishedSite
from generator.website.render import pdf_bytes
from tests.helpers import holder_details, holder_pdf, make_project, run, served
from tests.throwaway_keys import (
    Authority,
    built_with_key,
    forger,
    key_environment,
    make_authority,
    make_signing_key,
    publish_throwaway_key,
)

ISSUED_EXAMPLE = "IC-2026-0001"
CANCELLED_EXAMPLE = "IC-2026-0007"


@pytest.fixture(scope="module")
def authority() -> Authority:
    return make_authority()


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, authority: Authority) -> Path:
    """The examples built with a throwaway signing key; returns the project root."""
    folder = tmp_path_factory.mktemp("signed")
    project = make_project(folder / "repo", True, True)
    built_with_key(project, publish_throwaway_key(project, folder / "secrets", authority))
    return project


def site(project: Path) -> Path:
    return project / "build" / "site"


def certificates(project: Path) -> Path:
    return site(project) / "certificates"


def held(project: Path) -> Path:
    """Where the holder keeps the files its key opened (outside the site)."""
    folder = project.parent / f"held-by-the-holder-of-{project.name}"
    folder.mkdir(exist_ok=True)
    return folder


def held_pdf(project: Path, certificate_id: str) -> Path:
    """The certificate's PDF as its holder opened it, in a file of its own."""
    path = held(project) / f"{certificate_id}.pdf"
    path.write_bytes(holder_pdf(site(project), certificate_id))
    return path


def held_record(project: Path, certificate_id: str) -> Path:
    """The certificate's record as issued (JSON), as its holder opened it, alone: no .jws
    beside it, so ``certgen verify`` takes the register's signature."""
    path = held(project) / f"{certificate_id}.json"
    path.write_bytes(record_bytes(project, certificate_id))
    return path


def record_bytes(project: Path, certificate_id: str) -> bytes:
    return str(holder_details(site(project), certificate_id)["record"]).encode("utf-8")


def sealed_ids(project: Path) -> list[str]:
    """The certificates whose sealed PDF the site publishes."""
    return sorted(p.name.removesuffix(".pdf.enc") for p in certificates(project).glob("*.pdf.enc"))


def test_every_pdf_carries_a_valid_certification_signature(
    signed: Path, authority: Authority
) -> None:
    root = asn1_x509.Certificate.load(
        authority.certificate.public_bytes(serialization.Encoding.DER)
    )
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    assert list(site(signed).rglob("*.pdf")) == []  # none in the clear
    ids = sealed_ids(signed)
    assert len(ids) == 14
    for certificate_id in ids:
        pdf = holder_pdf(site(signed), certificate_id)
        [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        status = validate_pdf_signature(signature, context)
        assert status.bottom_line, certificate_id
        assert status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
        assert signature.docmdp_level is not None  # a certification: no changes allowed
        assert status.docmdp_ok
        assert "Throwaway Test Certifier" in signature.signer_cert.subject.human_friendly


def test_each_pdf_embeds_its_record_and_the_record_signature(signed: Path) -> None:
    ids = sealed_ids(signed)
    assert len(ids) == 14
    for certificate_id in ids:
        attachments = PdfReader(io.BytesIO(holder_pdf(site(signed), certificate_id))).attachments
        record = record_bytes(signed, certificate_id)
        assert attachments["certificate.json"] == [record]
        token = published_signature(signed, certificate_id)
        assert attachments["certificate.json.jws"] == [token]
        assert holder_details(site(signed), certificate_id)["jws"] == token.decode("ascii")
        public = json.loads((certificates(signed) / f"{certificate_id}.json").read_bytes())
        assert public["sha256"] == hashlib.sha256(record).hexdigest()


def test_every_json_record_has_a_detached_jws_by_a_published_key(signed: Path) -> None:
    jwks = json.loads((site(signed) / "keys" / "jwks.json").read_bytes())
    [published] = jwks["keys"]
    assert published["alg"] == "ES256" and published["use"] == "sig"
    assert published["valid_from"].startswith("2025-01-01") and "valid_to" in published
    assert len(published["x5c"]) == 2  # the signing certificate and its authority
    keys = KeySet.import_key_set(jwks)
    records = sorted(certificates(signed).glob("*.json"))
    assert len(records) == 14
    for record in records:
        token = published_signature(signed, record.stem)
        assert holder_details(site(signed), record.stem)["jws"] == token.decode("ascii")
        result = jws.deserialize_compact(
            token, keys, algorithms=["ES256"], payload=record_bytes(signed, record.stem)
        )
        assert result.headers()["kid"] == published["kid"]
        assert result.headers()["b64"] is False


def test_the_keys_are_published_as_pem_too(signed: Path) -> None:
    names = sorted(p.name for p in (site(signed) / "keys").glob("*.pem"))
    assert len(names) == 2 and names[0].startswith("authority-")
    assert (site(signed) / "data" / "keys.js").read_text().startswith('certgen.deliver("keys",')


def test_signed_pages_and_pdfs_are_not_previews(signed: Path) -> None:
    page = (certificates(signed) / f"{ISSUED_EXAMPLE}.html").read_text()
    assert "PREVIEW" not in page and "data-preview" not in page
    details = holder_details(site(signed), ISSUED_EXAMPLE)["html"]
    assert "PREVIEW" not in details and "data-preview" not in details
    text = "".join(p.extract_text() for p in PdfReader(held_pdf(signed, ISSUED_EXAMPLE)).pages)
    assert "PREVIEW" not in text


def published_signature(project: Path, certificate_id: str) -> bytes:
    """The record's signature as the register publishes it (the lookup files)."""
    entry = PublishedSite(str(site(project))).entry(certificate_id)
    assert entry is not None
    return str(entry["jws"]).encode("ascii")


def embedded_kid(pdf: Path) -> str:
    token = PdfReader(pdf).attachments["certificate.json.jws"][0]
    return str(jws.extract_compact(token).headers()["kid"])


def verify(arguments: list[str], cwd: Path) -> tuple[int, str]:
    code, out, err = run(["verify", *arguments], cwd)
    return code, out + err


def test_verify_a_valid_current_pdf_and_json(signed: Path) -> None:
    pdf = held_pdf(signed, ISSUED_EXAMPLE)
    code, out = verify([str(pdf), "--site", str(site(signed))], signed)
    assert code == 0, out
    assert "PDF signature valid, signed by" in out and "status: Valid" in out
    assert "PDF: the file the site publishes" in out  # the lookup's digest of the plain PDF
    record = held_record(signed, ISSUED_EXAMPLE)
    code, out = verify([str(record), "--site", str(site(signed))], signed)
    assert code == 0, out
    assert "register: matches the published record; status: Valid" in out


def test_the_public_record_is_not_the_signed_record(signed: Path) -> None:
    """The public JSON record (public fields, digest and status) is not what the certifier
    signed: it never passes for the certificate."""
    public = certificates(signed) / f"{ISSUED_EXAMPLE}.json"
    code, out = verify([str(public), "--site", str(site(signed))], signed)
    assert code == 1
    assert "signature NOT VALID" in out


def test_verify_a_tampered_record(signed: Path, tmp_path: Path) -> None:
    original = record_bytes(signed, ISSUED_EXAMPLE)
    tampered = tmp_path / f"{ISSUED_EXAMPLE}.json"
    changed = original.replace(b'"net_weight_kg":18000', b'"net_weight_kg":1800')
    assert changed != original
    tampered.write_bytes(changed)
    (tmp_path / f"{ISSUED_EXAMPLE}.jws").write_bytes(published_signature(signed, ISSUED_EXAMPLE))
    code, out = verify([str(tampered), "--site", str(site(signed))], signed)
    assert code == 1
    assert "signature NOT VALID" in out and "TAMPERED" in out


def test_verify_a_tampered_pdf(signed: Path, tmp_path: Path) -> None:
    content = holder_pdf(site(signed), ISSUED_EXAMPLE)
    assert b"WeasyPrint" in content  # the producer, in the signed part of the file
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(content.replace(b"WeasyPrint", b"WeasyPrinT", 1))
    code, out = verify([str(tampered), "--site", str(site(signed))], signed)
    assert code == 1
    assert "NOT VALID" in out


def test_verify_a_cancelled_certificate(signed: Path) -> None:
    pdf = held_pdf(signed, CANCELLED_EXAMPLE)
    code, out = verify([str(pdf), "--site", str(site(signed))], signed)
    assert code == 1
    assert (
        "PDF signature valid" in out
        and "status: Cancelled (this certificate was cancelled and is not valid)" in out
    )


def test_verify_a_pdf_signed_by_an_unknown_key(signed: Path, tmp_path: Path) -> None:
    """A forger's own authority and key, not published by the certifier."""

    genuine = PdfReader(held_pdf(signed, ISSUED_EXAMPLE)).attachments
    copied = [(name, genuine[name][0]) for name in ("certificate.json", "certificate.json.jws")]
    unsigned_copy = pdf_bytes("<p>A forged certificate</p>", "", copied)
    out_path = tmp_path / "forged.pdf"
    out_path.write_bytes(forger(tmp_path).sign_pdf(unsigned_copy, "Throwaway Test Certifier"))
    code, out = verify([str(out_path), "--site", str(site(signed))], signed)
    assert code == 1
    assert "PDF signature NOT VALID: signed by an unknown key" in out


def test_verify_without_the_site_cannot_say_current(signed: Path) -> None:
    pdf = held_pdf(signed, ISSUED_EXAMPLE)
    code, out = verify([str(pdf)], signed)  # keys from data/signing of the repository
    assert code == 1
    assert "PDF signature valid" in out and "STATUS NOT CHECKED" in out


def test_verify_usage_errors(signed: Path, tmp_path: Path) -> None:
    assert verify([str(tmp_path / "missing.pdf"), "--site", str(site(signed))], signed)[0] == 2
    pdf = held_pdf(signed, ISSUED_EXAMPLE)  # a real PDF, checked against a folder that is no site
    assert verify([str(pdf), "--site", str(tmp_path)], signed)[0] == 2


def test_a_key_the_repository_does_not_publish_is_refused(
    tmp_path: Path, authority: Authority
) -> None:
    project = make_project(tmp_path / "repo", True, True)
    p12, _ = make_signing_key(authority, tmp_path / "secrets")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in key_environment(p12).items():
            patch.setenv(name, value)
        code, _, err = run(["build", "--no-pdf"], project)
    assert code == 2
    assert "not published" in err and "data/signing/" in err
    assert not site(project).exists()


def test_a_wrong_passphrase_is_a_clear_refusal(tmp_path: Path, authority: Authority) -> None:
    project = make_project(tmp_path / "repo", True, True)
    p12, _ = make_signing_key(authority, tmp_path / "secrets")
    environment = key_environment(p12) | {"CERTGEN_SIGNING_PASSPHRASE": "wrong"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        code, out, err = run(["build", "--no-pdf"], project)
    assert code == 2, out + err
    assert "wrong" not in err  # the passphrase is never shown


def test_a_new_key_signs_new_certificates_and_old_ones_still_verify(
    tmp_path: Path, authority: Authority
) -> None:
    project = make_project(tmp_path / "repo", True, True)
    signing = Project(project).signing_dir
    (signing / "authority.pem").write_bytes(authority.pem())
    old_p12, old = make_signing_key(authority, tmp_path / "secrets")
    (signing / "signing-old.pem").write_bytes(old.public_bytes(serialization.Encoding.PEM))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in key_environment(old_p12).items():
            patch.setenv(name, value)
        assert run(["build"], project)[0] == 0
    before = holder_pdf(site(project), ISSUED_EXAMPLE)
    new_p12, new = make_signing_key(authority, tmp_path / "secrets")
    (signing / "signing-new.pem").write_bytes(new.public_bytes(serialization.Encoding.PEM))
    code, _, err = run(
        [
            "issue",
            "requests/2026/IC-2026-0003.yaml",
            "--by",
            "asmith",
            "--number",
            "555-5550000104-000400",
            "--on",
            "2026-11-30",
        ],
        project,
    )
    assert code == 0, err
    with pytest.MonkeyPatch.context() as patch:
        for name, value in key_environment(new_p12).items():
            patch.setenv(name, value)
        assert run(["build"], project)[0] == 0
    assert holder_pdf(site(project), ISSUED_EXAMPLE) == before
    jwks = json.loads((site(project) / "keys" / "jwks.json").read_bytes())
    kids = {k["kid"] for k in jwks["keys"]}
    assert len(kids) == 2

    old_pdf, new_pdf = (held_pdf(project, c) for c in (ISSUED_EXAMPLE, "IC-2026-0003"))
    assert embedded_kid(old_pdf) != embedded_kid(new_pdf)  # each PDF keeps the key that signed it
    for certificate_id in (ISSUED_EXAMPLE, "IC-2026-0003"):
        pdf = held_pdf(project, certificate_id)
        code, out = verify([str(pdf), "--site", str(site(project))], project)
        assert code == 0, out


def test_a_build_without_a_key_is_a_marked_preview(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", True, True)
    assert not any(name.startswith("CERTGEN_SIGNING") for name in os.environ)
    code, out, err = run(["build"], project)
    assert code == 0, out + err
    folder = certificates(project)
    entry = PublishedSite(str(site(project))).entry(ISSUED_EXAMPLE)
    assert entry is not None and "jws" not in entry
    page = (folder / f"{ISSUED_EXAMPLE}.html").read_text()
    assert "PREVIEW \u2013 NOT VALID" in page
    details = holder_details(site(project), ISSUED_EXAMPLE)
    assert "PREVIEW \u2013 NOT VALID" in details["html"] and details["jws"] is None
    pdf = held_pdf(project, ISSUED_EXAMPLE)
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "PREVIEW" in text and "NOT VALID" in text
    code, out = verify([str(pdf), "--site", str(site(project))], project)
    assert code == 1 and "UNSIGNED" in out


def test_verify_against_the_site_at_its_address(signed: Path) -> None:
    """--site takes the site's address too: keys and register are read over HTTP."""
    with served(site(signed)) as address:
        pdf = held_pdf(signed, ISSUED_EXAMPLE)
        code, out = verify([str(pdf), "--site", address], signed)
        assert code == 0, out
        cancelled = held_pdf(signed, CANCELLED_EXAMPLE)
        assert verify([str(cancelled), "--site", address], signed)[0] == 1
        code, out = verify([str(pdf), "--site", address + "nothing-here/"], signed)
        assert code == 2 and "keys/jwks.json" in out


def test_issued_pdfs_survive_the_loss_of_the_cache(
    tmp_path: Path, authority: Authority, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cache lost and the templates changed, --reuse-from takes each issued PDF back
    from the site as published, once its signature and frozen record verify; a PDF there
    that does not verify is made again instead."""
    from generator.website import certificate_pdf

    project = make_project(tmp_path / "repo", True, True)
    environment = publish_throwaway_key(project, tmp_path / "secrets", authority)
    built_with_key(project, environment)
    published = tmp_path / "published"
    shutil.copytree(site(project), published)
    genuine = {i: holder_pdf(published, i) for i in sealed_ids(project)}
    assert len(genuine) == 14
    # a PDF that opens with its holder key but whose signature no longer verifies
    keys = HolderKeys.from_environment()
    changed = genuine[CANCELLED_EXAMPLE].replace(b"WeasyPrint", b"WeasyPrinT", 1)
    assert changed != genuine[CANCELLED_EXAMPLE]
    tampered = published / "certificates" / f"{CANCELLED_EXAMPLE}.pdf.enc"
    tampered.write_bytes(keys.seal(CANCELLED_EXAMPLE, "pdf", changed))
    assert holder_pdf(published, CANCELLED_EXAMPLE) == changed
    shutil.rmtree(Project(project).cache_dir)
    shutil.rmtree(site(project))
    original = certificate_pdf.certificate_fragment
    monkeypatch.setattr(
        certificate_pdf,
        "certificate_fragment",
        lambda *a: original(*a).replace("</article>", "<p>New layout</p></article>"),
    )
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    code, out, err = run(["build", "--reuse-from", str(published)], project)
    assert code == 0, out + err
    rebuilt = {i: holder_pdf(site(project), i) for i in sealed_ids(project)}
    assert set(rebuilt) == set(genuine)
    assert {i for i in rebuilt if rebuilt[i] == genuine[i]} == set(genuine) - {CANCELLED_EXAMPLE}
    assert rebuilt[CANCELLED_EXAMPLE] != changed
    code, out = verify(
        [str(held_pdf(project, CANCELLED_EXAMPLE)), "--site", str(site(project))], project
    )
    assert code == 1 and "PDF signature valid" in out  # made again, signed; cancelled


def test_a_signature_naming_no_algorithm_is_refused(signed: Path, tmp_path: Path) -> None:
    """alg "none" (or any algorithm the key does not sign with) is never accepted."""
    genuine = published_signature(signed, ISSUED_EXAMPLE)
    kid = str(jws.extract_compact(genuine).headers()["kid"])
    forged_header = {"alg": "none", "b64": False, "crit": ["b64"], "kid": kid}
    encoded = base64.urlsafe_b64encode(json.dumps(forged_header).encode()).rstrip(b"=")
    record = tmp_path / f"{ISSUED_EXAMPLE}.json"
    record.write_bytes(b'{"id":"IC-2026-0001","number":"forged"}')
    record.with_suffix(".jws").write_bytes(encoded + b"..")
    code, out = verify([str(record)], signed)
    assert code == 1
    assert "signature NOT VALID" in out and "'none'" in out
