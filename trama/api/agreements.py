"""Agreements: issue a version for signature, upload a party's signed copy.

Both call the agreements' services and access helper, as the pages do: only the RUP issues;
only a party's administrators upload its copy, which is verified against the version's PDF
before anything is kept.
"""

import base64
import binascii
from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from trama.agreements.access import access_agreement
from trama.agreements.services import signing

from .auth import TokenAuth
from .bounds import LONG_TEXT, Id, InputSchema, Slug, Text
from .errors import ApiError, errors

router = Router(tags=["agreements"])
WRITE = {"auth": TokenAuth(write=True)}
# A request body is at most DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default): a signed copy
# of about 1.8 MB, in Base64. The agreement's PDF is far smaller; larger copies go by the page.
MAX_SIGNED_BASE64 = 2_400_000


class AgreementVersionOut(Schema):
    agreement: int
    number: int
    reason: str
    pdf_sha256: str
    issued_at: datetime
    in_force_at: datetime | None
    url: str

    @staticmethod
    def resolve_agreement(obj):
        return obj.agreement_id

    @staticmethod
    def resolve_url(obj):
        return signing.agreement_path(obj.agreement)


class IssueIn(InputSchema):
    reason: Text(LONG_TEXT) = ""


class SignerOut(Schema):
    name: str
    tax_code: str
    signed_at: str | None


class SignedCopyOut(Schema):
    version: int
    party: str
    sha256: str
    signers: list[SignerOut]
    signer_is_representative: bool
    agreement_in_force: bool


class SignedCopyIn(InputSchema):
    party: Slug
    file_name: Text(255)
    content_base64: Text(MAX_SIGNED_BASE64)


@router.post(
    "/agreements/{agreement_id}/versions",
    response={201: AgreementVersionOut, **errors(400, 401, 403, 404, 422)},
    summary="Issue a version of the agreement",
    **WRITE,
)
def issue(request, agreement_id: Id, payload: IssueIn):
    """The RUP issues the agreement for signature (at the table) or an amendment (in force,
    `reason` required). The content is frozen and the PDF rendered once; `pdf_sha256`
    identifies it, and every party's signed copy must be of exactly that PDF."""
    access = access_agreement(request.user, agreement_id, rup=True)
    version = signing.issue_agreement(access.agreement, request.user, reason=payload.reason)
    return Status(201, version)


@router.post(
    "/agreements/{agreement_id}/signed-copies",
    response={201: SignedCopyOut, **errors(400, 401, 403, 404, 422)},
    summary="Upload a party's signed copy",
    **WRITE,
)
def upload_signed_copy(request, agreement_id: Id, payload: SignedCopyIn):
    """An administrator of a party uploads its digitally signed copy (.p7m or signed PDF) of
    the version awaiting signatures, Base64-encoded. Refused (`content_mismatch`,
    `bad_signature`, `not_signed`…) unless it is that version's PDF, intact. Trama does not
    check the certificates' trust chain."""
    access = access_agreement(request.user, agreement_id)
    party = access.agreement.parties.filter(organization__slug=payload.party).first()
    if party is None:
        message = _("This body is not a party to the agreement.")
        raise ApiError(
            400, "not_a_party", message, {"party": [{"code": "not_a_party", "message": message}]}
        )
    version = signing.pending_version(access.agreement)
    if version is None:
        raise ApiError(400, "nothing_to_sign", _("There is no version awaiting signatures."))
    try:
        data = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        message = _("The file's content is not valid Base64.")
        raise ApiError(
            400,
            "invalid_base64",
            message,
            {"content_base64": [{"code": "invalid_base64", "message": message}]},
        ) from None
    copy = signing.sign_agreement(
        version,
        party=party,
        by=request.user,
        upload=SimpleUploadedFile(payload.file_name, data),
    )
    access.agreement.refresh_from_db()
    return Status(
        201,
        {
            "version": version.number,
            "party": party.organization.slug,
            "sha256": copy.sha256,
            "signers": copy.signers,
            "signer_is_representative": copy.signer_is_representative,
            "agreement_in_force": access.agreement.in_force_id == version.pk,
        },
    )
