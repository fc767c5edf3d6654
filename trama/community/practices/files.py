"""The files the library accepts: checked by extension, size and leading bytes."""

import zipfile
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from trama.lib.files import content_matches

MAX_FILE_BYTES = 20 * 1024 * 1024
LIBRARY_FILE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
# The member each zipped office format must hold (OpenDocument: its `mimetype` file).
_ZIP_MARKERS = {
    "docx": "word/document.xml",
    "pptx": "ppt/presentation.xml",
    "odt": "mimetype",
    "ods": "mimetype",
    "odp": "mimetype",
}


def _zip_holds(upload, member: str) -> bool:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        upload.seek(0)


def _matches(extension: str, upload) -> bool:
    if extension in ("pdf", "xlsx"):
        return content_matches(extension, upload)
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    return head == b"PK\x03\x04" and _zip_holds(upload, _ZIP_MARKERS[extension])


def _refuse(message, code):
    return ValidationError({"file": ValidationError(message, code=code)})


def check_library_file(upload) -> str:
    """The file's content type, if it is what its extension says and within the limit."""
    if upload is None:
        raise _refuse(_("Choose a file."), "required")
    name = PurePath(upload.name or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in LIBRARY_FILE_TYPES:
        raise _refuse(
            _("Accepted files: %(types)s.") % {"types": ", ".join(sorted(LIBRARY_FILE_TYPES))},
            "invalid_file",
        )
    if upload.size > MAX_FILE_BYTES:
        raise _refuse(_("The file is larger than 20 MB."), "file_too_large")
    if upload.size == 0 or not _matches(extension, upload):
        raise _refuse(
            _("%(name)s is not a %(ext)s file.") % {"name": name, "ext": extension.upper()},
            "invalid_file",
        )
    return LIBRARY_FILE_TYPES[extension]
