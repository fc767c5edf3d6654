"""Uploaded files: is a file what its extension says, and its SHA-256."""

import hashlib
import zipfile

# DER encoding of the PKCS#7 signedData OID (1.2.840.113549.1.7.2), found near the start
# of a CAdES (.p7m) envelope.
_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")
_BINARY_SIGNATURES = (b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"PK\x03\x04", b"GIF8", b"MZ")


def _is_text(head: bytes) -> bool:
    if b"\x00" in head or head.startswith(_BINARY_SIGNATURES):
        return False
    controls = set(range(32)) - {9, 10, 13}
    return not any(byte in controls for byte in head)


def _is_xlsx(upload) -> bool:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        upload.seek(0)


def _is_p7m(head: bytes) -> bool:
    if head[:1] == b"\x30" and _SIGNED_DATA_OID in head[:64]:
        return True  # DER, as signing software writes it
    text = head.lstrip()
    return text.startswith((b"MII", b"-----BEGIN"))  # the same envelope in Base64


def content_matches(extension: str, upload) -> bool:
    """Whether the file's leading bytes are those of the format its extension claims."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "xlsx":
        return head.startswith(b"PK\x03\x04") and _is_xlsx(upload)
    if extension == "csv":
        return _is_text(head)
    if extension == "p7m":
        return _is_p7m(head)
    return False


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
