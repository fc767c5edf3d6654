"""Signed copies for tests: certificates, a small PDF, CAdES envelopes and PAdES signatures.

Other apps' tests reuse these to upload a party's signed agreement::

    key, cert = signer_identity("Maria Rossi", "RSSMRA80A41F205X")
    upload = make_p7m(agreement_pdf, key, cert)
"""

import base64
import functools
import hashlib
import io
from datetime import UTC, datetime, timedelta

from asn1crypto import algos, cms, core, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

SIGNING_TIME = datetime(2026, 11, 30, 10, 15, tzinfo=UTC)


def make_pdf(text: str = "Convenzione di prova") -> bytes:
    """A small valid one-page PDF with `text` on it (ASCII), with a correct xref table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


@functools.cache
def _key(kind: str, label: str):
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def signer_identity(
    name: str = "Maria Rossi", tax_code: str = "RSSMRA80A41F205X", *, kind: str = "rsa"
):
    """A key and a self-signed certificate as an Italian signing device would carry them:
    CN the person's name, serialNumber "TINIT-" + codice fiscale. Cached per argument."""
    key = _key(kind, f"{name}/{tax_code}")
    given, _, surname = name.partition(" ")
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
        x509.NameAttribute(NameOID.GIVEN_NAME, given),
        x509.NameAttribute(NameOID.SURNAME, surname or given),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ]
    if tax_code:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINIT-{tax_code}"))
    subject = x509.Name(attributes)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
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
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer_info(
    content: bytes,
    key,
    cert: x509.Certificate,
    *,
    digest: str,
    pss: bool,
    by_key_identifier: bool,
    signing_time: datetime | None,
    message_digest: bytes | None,
    attested_certificate: x509.Certificate | None,
) -> cms.SignerInfo:
    asn1_cert = _asn1_cert(cert)
    hash_class = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}.get(
        digest, hashes.SHA1
    )
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute(
            {
                "type": "message_digest",
                "values": [message_digest or hashlib.new(digest, content).digest()],
            }
        ),
        cms.CMSAttribute(
            {
                "type": "signing_certificate_v2",
                "values": [
                    tsp.SigningCertificateV2(
                        {
                            "certs": [
                                tsp.ESSCertIDv2(
                                    {
                                        "cert_hash": hashlib.sha256(
                                            _asn1_cert(attested_certificate or cert).dump()
                                        ).digest()
                                    }
                                )
                            ]
                        }
                    )
                ],
            }
        ),
    ]
    if signing_time is not None:
        attributes.append(
            cms.CMSAttribute(
                {"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]}
            )
        )
    signed_attrs = cms.CMSAttributes(attributes)
    to_sign = signed_attrs.dump()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(to_sign, ec.ECDSA(hash_class()))
        algorithm = algos.SignedDigestAlgorithm({"algorithm": f"{digest}_ecdsa"})
    elif pss:
        salt = hash_class.digest_size
        signature = key.sign(
            to_sign, padding.PSS(mgf=padding.MGF1(hash_class()), salt_length=salt), hash_class()
        )
        algorithm = algos.SignedDigestAlgorithm(
            {
                "algorithm": "rsassa_pss",
                "parameters": algos.RSASSAPSSParams(
                    {
                        "hash_algorithm": {"algorithm": digest},
                        "mask_gen_algorithm": {
                            "algorithm": "mgf1",
                            "parameters": {"algorithm": digest},
                        },
                        "salt_length": salt,
                    }
                ),
            }
        )
    else:
        signature = key.sign(to_sign, padding.PKCS1v15(), hash_class())
        algorithm = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})
    if by_key_identifier:
        sid = cms.SignerIdentifier({"subject_key_identifier": asn1_cert.key_identifier})
    else:
        sid = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": {
                    "issuer": asn1_cert.issuer,
                    "serial_number": asn1_cert.serial_number,
                }
            }
        )
    return cms.SignerInfo(
        {
            "version": "v3" if by_key_identifier else "v1",
            "sid": sid,
            "digest_algorithm": {"algorithm": digest},
            "signed_attrs": signed_attrs,
            "signature_algorithm": algorithm,
            "signature": signature,
        }
    )


def make_p7m(
    content: bytes,
    key,
    cert: x509.Certificate,
    *,
    cosigners=(),
    digest: str = "sha256",
    pss: bool = False,
    by_key_identifier: bool = False,
    signing_time: datetime | None = SIGNING_TIME,
    message_digest: bytes | None = None,
    attested_certificate: x509.Certificate | None = None,
    detached: bool = False,
    base64_pem: bool = False,
    ber: bool = False,
) -> bytes:
    """A CAdES-BES attached envelope (.p7m, DER) of `content` signed with `key`/`cert`,
    and by each `(key, cert)` of `cosigners` side by side (parallel signatures).

    `message_digest` puts a wrong digest in the signed attributes (a swapped content);
    `attested_certificate` names another certificate in the signing-certificate attribute;
    `base64_pem` writes the envelope as PEM text, as some Italian tools do; `ber` writes it
    as streaming signers do (OpenSSL's -stream among them): BER with indefinite lengths and
    the content cut into chunks.
    """
    signers = [(key, cert), *cosigners]
    infos = [
        _signer_info(
            content,
            signer_key,
            signer_cert,
            digest=digest,
            pss=pss,
            by_key_identifier=by_key_identifier,
            signing_time=signing_time,
            message_digest=message_digest,
            attested_certificate=attested_certificate,
        )
        for signer_key, signer_cert in signers
    ]
    signed_data = cms.SignedData(
        {
            "version": "v3" if by_key_identifier else "v1",
            "digest_algorithms": [{"algorithm": digest}],
            "encap_content_info": {
                "content_type": "data",
                "content": None if detached else content,
            },
            "certificates": [
                cms.CertificateChoices({"certificate": _asn1_cert(c)}) for _, c in signers
            ],
            "signer_infos": infos,
        }
    )
    if ber:
        return _streamed_ber(signed_data, content)
    der = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    if base64_pem:
        text = base64.encodebytes(der)
        return b"-----BEGIN PKCS7-----\n" + text + b"-----END PKCS7-----\n"
    return der


def _streamed_ber(signed_data: cms.SignedData, content: bytes, chunk: int = 256) -> bytes:
    end = b"\x00\x00"
    chunks = b"".join(
        core.OctetString(content[at : at + chunk]).dump() for at in range(0, len(content), chunk)
    )
    encap = (
        b"\x30\x80"
        + core.ObjectIdentifier("1.2.840.113549.1.7.1").dump()
        + b"\xa0\x80\x24\x80"
        + chunks
        + end * 3
    )
    fields = (
        signed_data["version"].dump()
        + signed_data["digest_algorithms"].dump()
        + encap
        + signed_data["certificates"].dump()
        + signed_data["signer_infos"].dump()
    )
    return (
        b"\x30\x80"
        + core.ObjectIdentifier("1.2.840.113549.1.7.2").dump()
        + b"\xa0\x80\x30\x80"
        + fields
        + end * 3
    )


def make_pades(
    pdf: bytes,
    key,
    cert: x509.Certificate,
    *,
    field_name: str = "Firma1",
    visible: bool = False,
    edit=None,
) -> bytes:
    """`pdf` with a PAdES signature by `key`/`cert` added as an incremental update,
    `visible` as a box on the first page (as most Italian signing tools offer).

    `edit(writer)`, if given, changes the PDF in the same update that adds the signature
    (pyHanko's IncrementalPdfFileWriter), as a forger would.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    asn1_cert = _asn1_cert(cert)
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert]),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if edit is not None:
        edit(writer)
    if visible:
        fields.append_signature_field(
            writer, fields.SigFieldSpec(sig_field_name=field_name, box=(72, 72, 272, 132))
        )
    out = signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(field_name=field_name, subfilter=None),
        signer=signer,
    )
    return out.getvalue()


def flip_byte(data: bytes, needle: bytes, offset: int = 0) -> bytes:
    """`data` with one bit changed in the first occurrence of `needle` (at `offset`)."""
    at = data.index(needle) + offset
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def signature_values(p7m: bytes) -> list[bytes]:
    """The raw signature values of a DER envelope's signers, to tamper with in tests."""
    info = cms.ContentInfo.load(p7m)
    return [si["signature"].native for si in info["content"]["signer_infos"]]
