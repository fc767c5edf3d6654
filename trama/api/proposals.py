"""A proposal's draft, act by act: its partnership, its budget plan, its documents; a new
version of a submitted proposal, and the documents its evaluation asks for. Every act calls
the procedures' services with the proposal page's access checks (`access_proposal`):
whoever may not see the proposal gets 404, a partner who may see it but not change it 403.
Each answer shows only what its caller, an administrator of the lead or of a partner body,
sent or already reads on the page."""

import base64
import binascii
import math
from datetime import datetime
from typing import Annotated

from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from trama.ledger.vocabulary import Category
from trama.lib.numbers import AMOUNT, QUANTITY, UNIT_VALUE
from trama.procedures import services
from trama.procedures.access import access_proposal
from trama.procedures.models import BudgetLine, ProposalFile, ProposalPartner
from trama.procedures.services.proposals import partners_without_admin
from trama.procedures.services.uploads import MAX_FILE_BYTES

from .auth import TokenAuth
from .bounds import Amount, Id, InputSchema, Quantity, Slug, Text, UnitValue, Year, bounded
from .errors import ApiError, errors, organization_named, refused
from .procedures import ProposalOut
from .schemas import money

router = Router(tags=["proposals"])
WRITE = {"auth": TokenAuth(write=True)}
# A document of up to MAX_FILE_BYTES, in Base64 (4 characters for every 3 bytes).
MAX_FILE_BASE64 = 4 * math.ceil(MAX_FILE_BYTES / 3)


class PartnerIn(InputSchema):
    organization: Slug = Field(description="Slug of the body to add to the partnership.")


class PartnerOut(Schema):
    proposal: int
    organization: str
    role: str
    confirmed_at: datetime | None
    has_admin: bool = Field(
        description="Whether anyone administers the body on Trama: without one, nobody can "
        "confirm its participation yet."
    )


class PartnerRemovedOut(Schema):
    proposal: int
    organization: str
    lines_removed: int = Field(description="The budget plan's lines the body had pledged.")


class BudgetLineIn(InputSchema):
    contributor: Slug = Field(description="Slug of the partner body that brings the resource.")
    source: Text(20, description="OWN_RESOURCES, FOUNDATION_GRANT or PRIVATE_DONATIONS.") = (
        "OWN_RESOURCES"
    )
    category: Category
    year: Year
    description: Text(200)
    amount: Amount | None = Field(
        None, description="Leave it out for an in-kind resource: quantity × unit value."
    )
    quantity: Quantity | None = None
    unit_value: UnitValue | None = None
    funder: Slug | None = Field(None, description="Slug of the funder of a foundation grant.")


class BudgetLineOut(Schema):
    id: int
    proposal: int
    contributor: str
    source: str
    category: str
    year: int
    description: str
    quantity: str | None
    unit_value: str | None
    amount: str = Field(description="Euro, two decimals; quantity × unit value in kind.")
    funder: str | None

    @staticmethod
    def resolve_quantity(obj):
        return None if obj.quantity is None else format(obj.quantity, "f")

    @staticmethod
    def resolve_unit_value(obj):
        return None if obj.unit_value is None else money(obj.unit_value)

    @staticmethod
    def resolve_amount(obj):
        return money(obj.amount)

    @staticmethod
    def resolve_proposal(obj):
        return obj.proposal_id

    @staticmethod
    def resolve_contributor(obj):
        return obj.contributor.slug

    @staticmethod
    def resolve_funder(obj):
        return obj.funder.slug if obj.funder_id else None


class FileIn(InputSchema):
    file_name: Annotated[
        str,
        Field(
            min_length=5,
            max_length=255,
            pattern=r"^[^/\\\x00]+$",
            description="With its extension: pdf, p7m, png, jpg, jpeg, xlsx or csv.",
        ),
    ]
    file_base64: Annotated[
        str, Field(max_length=MAX_FILE_BASE64, description="The document, up to 20 MB.")
    ]


class FileOut(Schema):
    id: int
    proposal: int
    name: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: datetime

    @staticmethod
    def resolve_proposal(obj):
        return obj.proposal_id


class ProposalPartRemovedOut(Schema):
    proposal: int
    id: int = Field(description="The id of what was removed.")


def _draft(request, proposal_id):
    """The proposal, for an administrator of its lead body while its draft can change
    (403 for its partners otherwise, 404 for anyone else), as the draft page's acts ask."""
    return access_proposal(request.user, proposal_id, edit=True).proposal


def _upload(payload: FileIn) -> SimpleUploadedFile:
    """The file as the page would receive it: the service checks its type, size and content."""
    try:
        content = base64.b64decode(payload.file_base64, validate=True)
    except (binascii.Error, ValueError):
        raise refused("file_base64", "invalid_base64", _("The file is not valid Base64.")) from None
    return SimpleUploadedFile(payload.file_name, content)


def _partner_out(partner: ProposalPartner) -> dict:
    return {
        "proposal": partner.proposal_id,
        "organization": partner.organization.slug,
        "role": partner.role,
        "confirmed_at": partner.confirmed_at,
        "has_admin": partner.organization_id not in partners_without_admin(partner.proposal),
    }


# --- the partnership -----------------------------------------------------------------------


@router.post(
    "/proposals/{proposal_id}/partners",
    response={201: PartnerOut, **errors(400, 401, 403, 404, 422)},
    summary="Add a partner to a draft",
    **WRITE,
)
def invite_partner(request, proposal_id: Id, payload: PartnerIn):
    """An administrator of the lead body, while the draft can change (403 otherwise). The
    body's administrators are asked to confirm on Trama; `has_admin` false means nobody can
    yet. Refusals: `unknown_organization`, `not_eligible` (the call admits only bodies
    registered in RUNTS, or not public bodies), `already_partner`, `not_a_draft`,
    `call_not_open`, `deadline_passed`."""
    proposal = _draft(request, proposal_id)
    organization = organization_named(payload.organization, "organization")
    partner = services.invite_partner(proposal, by=request.user, organization=organization)
    return Status(201, _partner_out(partner))


@router.post(
    "/proposals/{proposal_id}/partners/{slug}/confirm",
    response={200: PartnerOut, **errors(400, 401, 403, 404, 422)},
    summary="Confirm a body's participation",
    **WRITE,
)
def confirm_participation(request, proposal_id: Id, slug: Slug):
    """An administrator of the partner body `slug` confirms that it takes part in the
    draft (403 `forbidden` for anyone else); the confirmation can't be taken back, and a
    second one changes nothing. Refusals: `not_a_draft`, `call_not_open`, `deadline_passed`."""
    proposal = access_proposal(request.user, proposal_id).proposal
    partner = get_object_or_404(
        ProposalPartner.objects.select_related("organization"),
        proposal=proposal,
        organization__slug=slug,
    )
    partner = services.confirm_participation(partner, by=request.user)
    return _partner_out(partner)


@router.post(
    "/proposals/{proposal_id}/partners/{slug}/remove",
    response={200: PartnerRemovedOut, **errors(400, 401, 403, 404, 422)},
    summary="Remove a partner from a draft",
    **WRITE,
)
def remove_partner(request, proposal_id: Id, slug: Slug):
    """An administrator of the lead body, while the draft can change (403 otherwise). The
    lines the body pledged in the budget plan go with it. Refusals: `lead_stays` (the lead
    body can't be removed), `not_a_draft`, `call_not_open`, `deadline_passed`."""
    proposal = _draft(request, proposal_id)
    partner = get_object_or_404(
        ProposalPartner.objects.select_related("organization"),
        proposal=proposal,
        organization__slug=slug,
    )
    lines = services.remove_partner(partner, by=request.user)
    return {"proposal": proposal.pk, "organization": slug, "lines_removed": lines}


# --- the budget plan -----------------------------------------------------------------------


@router.post(
    "/proposals/{proposal_id}/budget-lines",
    response={201: BudgetLineOut, **errors(400, 401, 403, 404, 422)},
    summary="Add a resource to a draft's budget plan",
    **WRITE,
)
def add_budget_line(request, proposal_id: Id, payload: BudgetLineIn):
    """An administrator of the lead body, while the draft can change (403 otherwise). A
    partner's resource: money (`amount`), or in kind (`quantity` × `unit_value`). It must be
    a valid pledge of the program now, since it becomes one if the proposal is selected.
    Refusals, by field: `not_a_partner`, `not_additional`, `quantity_required`, `required`,
    `unknown_organization`, the ledger's (`not_positive`, `too_many_decimals`, `too_large`,
    `funder_required`, `year_outside_program`…), and `not_a_draft`, `deadline_passed`."""
    proposal = _draft(request, proposal_id)
    numbers = bounded(
        amount=(payload.amount, AMOUNT),
        quantity=(payload.quantity, QUANTITY),
        unit_value=(payload.unit_value, UNIT_VALUE),
    )
    contributor = organization_named(payload.contributor, "contributor")
    funder = organization_named(payload.funder, "funder") if payload.funder else None
    line = services.add_budget_line(
        proposal,
        by=request.user,
        contributor=contributor,
        source=payload.source,
        category=payload.category,
        year=payload.year,
        description=payload.description,
        funder=funder,
        **numbers,
    )
    return Status(201, BudgetLine.objects.select_related("contributor", "funder").get(pk=line.pk))


@router.post(
    "/proposals/{proposal_id}/budget-lines/{line_id}/remove",
    response={200: ProposalPartRemovedOut, **errors(400, 401, 403, 404, 422)},
    summary="Remove a line from a draft's budget plan",
    **WRITE,
)
def remove_budget_line(request, proposal_id: Id, line_id: Id):
    """An administrator of the lead body, while the draft can change (403 otherwise).
    Refusals: `not_a_draft`, `call_not_open`, `deadline_passed`."""
    proposal = _draft(request, proposal_id)
    line = get_object_or_404(BudgetLine, pk=line_id, proposal=proposal)
    services.remove_budget_line(line, by=request.user)
    return {"proposal": proposal.pk, "id": line_id}


# --- documents -----------------------------------------------------------------------------


def _attached(proposal, file_id) -> ProposalFile:
    return get_object_or_404(
        ProposalFile, pk=file_id, proposal=proposal, kind=ProposalFile.Kind.ATTACHMENT
    )


@router.post(
    "/proposals/{proposal_id}/files",
    response={201: FileOut, **errors(400, 401, 403, 404, 422)},
    summary="Attach a document to a draft",
    **WRITE,
)
def attach_file(request, proposal_id: Id, payload: FileIn):
    """An administrator of the lead body, while the draft can change (403 otherwise); one
    document a request, in Base64, kept byte for byte with its SHA-256. Refusals:
    `invalid_base64`, `file_type` (PDF, signed .p7m, PNG, JPEG, XLSX or CSV), `file_too_large`
    (over 20 MB), `file_content_mismatch` (not what its extension says), `not_a_draft`,
    `deadline_passed`."""
    proposal = _draft(request, proposal_id)
    upload = _upload(payload)
    attached = services.attach_file(proposal, by=request.user, upload=upload)
    return Status(201, attached)


@router.post(
    "/proposals/{proposal_id}/files/{file_id}/replace",
    response={201: FileOut, **errors(400, 401, 403, 404, 422)},
    summary="Replace a draft's document",
    **WRITE,
)
def replace_file(request, proposal_id: Id, file_id: Id, payload: FileIn):
    """An administrator of the lead body, while the draft can change (403 otherwise): the
    new document takes the old one's place, both or neither; it has a new id. Refusals as
    for attaching one."""
    proposal = _draft(request, proposal_id)
    attached = _attached(proposal, file_id)
    upload = _upload(payload)
    return Status(201, services.replace_file(attached, by=request.user, upload=upload))


@router.post(
    "/proposals/{proposal_id}/files/{file_id}/remove",
    response={200: ProposalPartRemovedOut, **errors(400, 401, 403, 404, 422)},
    summary="Remove a document from a draft",
    **WRITE,
)
def remove_file(request, proposal_id: Id, file_id: Id):
    """An administrator of the lead body, while the draft can change (403 otherwise). A
    submitted version that holds the same document keeps it. Refusals: `not_a_draft`,
    `call_not_open`, `deadline_passed`."""
    proposal = _draft(request, proposal_id)
    attached = _attached(proposal, file_id)
    services.remove_file(attached, by=request.user)
    return {"proposal": proposal.pk, "id": file_id}


@router.post(
    "/proposals/{proposal_id}/document-requests/{request_id}/files",
    response={201: FileOut, **errors(400, 401, 403, 404, 422)},
    summary="Send a document the evaluation asked for",
    **WRITE,
)
def send_requested_document(request, proposal_id: Id, request_id: Id, payload: FileIn):
    """Soccorso istruttorio: an administrator of the lead body answers a request for missing
    documents of a submitted proposal, one document a request, before the request's deadline
    and while admission is undecided (refused otherwise); the submission and its receipt stay
    as they were. 403 for the proposal's other readers. Refusals as for attaching one."""
    access = access_proposal(request.user, proposal_id)
    document_request = get_object_or_404(access.proposal.document_requests, pk=request_id)
    if not access.is_partner:
        raise ApiError(403, "forbidden", _("Only the lead body's administrators can answer."))
    upload = _upload(payload)
    attached = services.attach_file(
        access.proposal, by=request.user, upload=upload, request=document_request
    )
    return Status(201, attached)


# --- versions ------------------------------------------------------------------------------


@router.post(
    "/proposals/{proposal_id}/new-version",
    response={201: ProposalOut, **errors(400, 401, 403, 404, 422)},
    summary="Start a new version of a submitted proposal",
    **WRITE,
)
def start_new_version(request, proposal_id: Id):
    """An administrator of the lead body, before the deadline: the submitted proposal is
    copied into a new draft (partners, sections, plan, documents), and submitting that draft
    replaces it; until then the submitted one stands. 403 `forbidden` for whoever joined the
    lead body after the submission (the content stays sealed to them). Refusals:
    `not_submitted`, `new_version_exists`, `call_not_open`, `deadline_passed`."""
    proposal = access_proposal(request.user, proposal_id).proposal
    return Status(201, services.start_new_version(proposal, by=request.user))
