"""Files people upload to a procedure: a call's documents and a proposal's."""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from trama.lib.files import content_matches

MAX_FILE_BYTES = 20 * 1024 * 1024
# Extension → content type. Signed files are kept byte for byte: a CAdES envelope (.p7m)
# and a PAdES signature inside a PDF are both accepted as they come.
PROPOSAL_FILE_TYPES = {
    "pdf": "application/pdf",
    "p7m": "application/pkcs7-mime",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def check_upload(upload) -> str:
    """The file's content type, if it is what its extension says and within the limit."""
    name = PurePath(upload.name or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in PROPOSAL_FILE_TYPES:
        raise ValidationError(
            _("Accepted files: %(types)s.") % {"types": ", ".join(sorted(PROPOSAL_FILE_TYPES))},
            code="file_type",
        )
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."), code="file_too_large")
    if upload.size == 0 or not content_matches(extension, upload):
        raise ValidationError(
            _("%(name)s is not a %(ext)s file.") % {"name": name, "ext": extension.upper()},
            code="file_content_mismatch",
        )
    return PROPOSAL_FILE_TYPES[extension]
