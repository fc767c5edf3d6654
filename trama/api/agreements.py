"""Agreements: the table's budget plan, drafting the agreement, issuing a version for
signature, a party's signed copy, cancelling at the table, the art. 27 publication.

Every operation calls the agreements' services and access helpers, as the pages do: the RUP
drafts, issues, cancels and records the publication; each table body enters its own plan
lines; only a party's administrators upload its copy, which is verified against the
version's PDF before anything is kept.
"""

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from trama.agreements.access import access_agreement, access_plan
from trama.agreements.models import Agreement, Indicator, Party, PlanLine
from trama.agreements.services import agreement as drafting
from trama.agreements.services import plan, signing
from trama.ledger.models import ReferenceRate
from trama.lib.numbers import AMOUNT, QUANTITY, UNIT_VALUE
from trama.procedures.access import access_procedure
from trama.procedures.models import Procedure

from .auth import TokenAuth
from .bounds import (
    LONG_TEXT,
    Amount,
    Id,
    InputSchema,
    Quantity,
    Slug,
    Text,
    UnitValue,
    Year,
    bounded,
)
from .errors import ApiError, errors, organization_named, refused
from .schemas import money

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


# --- the table's budget plan, and resource lines in general ---------------------------------


class ResourceLineIn(InputSchema):
    """A resource as the ledger values it: an amount, or a quantity in kind with a unit
    value or a reference rate."""

    contributor: Slug = Field(description="Slug of the body that brings the resource.")
    source: Text(
        20,
        description=(
            "PUBLIC_OWNER, OTHER_PUBLIC, FOUNDATION_GRANT, OWN_RESOURCES or PRIVATE_DONATIONS."
        ),
    )
    category: Text(16, description="ECONOMIC, PROJECT, ORGANISATIONAL or PROFESSIONAL.")
    year: Year
    description: Text(300) = ""
    amount: Amount | None = Field(
        None, description="For an in-kind resource it may be left out (quantity × unit value)."
    )
    quantity: Quantity | None = None
    unit: Text(10, description="HOUR, DAY, SQM_MONTH or ITEM, for in-kind resources.") = ""
    unit_value: UnitValue | None = None
    rate: Id | None = Field(None, description="Id of a reference rate, instead of unit_value.")
    funder: Slug | None = Field(None, description="Slug of the funder of a foundation grant.")
    grant_reference: Text(150) = ""


def resource_fields(payload: ResourceLineIn) -> dict:
    """The payload as the services take it: Decimals bounded as every form bounds them, the
    contributor, funder and rate as rows."""
    numbers = bounded(
        amount=(payload.amount, AMOUNT),
        quantity=(payload.quantity, QUANTITY),
        unit_value=(payload.unit_value, UNIT_VALUE),
    )
    rate = None
    if payload.rate is not None:
        rate = ReferenceRate.objects.filter(pk=payload.rate).first()
        if rate is None:
            raise refused("rate", "unknown_rate", _("No such reference rate."))
    return {
        "contributor": organization_named(payload.contributor, "contributor"),
        "source": payload.source,
        "category": payload.category,
        "year": payload.year,
        "description": payload.description,
        "amount": numbers["amount"],
        "quantity": numbers["quantity"],
        "unit": payload.unit,
        "unit_value": numbers["unit_value"],
        "rate": rate,
        "funder": organization_named(payload.funder, "funder") if payload.funder else None,
        "grant_reference": payload.grant_reference,
    }


class PlanLineOut(Schema):
    id: int
    call: int
    contributor: str
    source: str
    category: str
    year: int
    description: str
    amount: str
    quantity: str | None
    unit: str
    unit_value: str | None
    funder: str | None

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_contributor(obj):
        return obj.contributor.slug

    @staticmethod
    def resolve_amount(obj):
        return money(obj.amount)

    @staticmethod
    def resolve_quantity(obj):
        return None if obj.quantity is None else money(obj.quantity)

    @staticmethod
    def resolve_unit_value(obj):
        return None if obj.unit_value is None else money(obj.unit_value)

    @staticmethod
    def resolve_funder(obj):
        return obj.funder.slug if obj.funder_id else None


def _plan_lines(procedure) -> list[PlanLine]:
    return list(
        PlanLine.objects.filter(procedure=procedure)
        .select_related("contributor", "funder")
        .order_by("pk")
    )


@router.post(
    "/calls/{call_id}/plan/lines",
    response={201: PlanLineOut, **errors(400, 401, 403, 404, 422)},
    summary="Add a line to the table's budget plan",
    **WRITE,
)
def add_plan_line(request, call_id: Id, payload: ResourceLineIn):
    """Each table body enters its own resources; the owning body's officers enter the
    public contribution (source PUBLIC_OWNER). At the co-design table, or while an
    amendment is prepared. 404 for whoever is neither an officer nor a table body; 403
    (`forbidden`) for a line of another body. The line is checked by the ledger's rules,
    e.g. `not_positive`, `too_many_decimals`, `funder_required`."""
    access = access_plan(request.user, call_id)
    line = plan.add_plan_line(access.procedure, by=request.user, **resource_fields(payload))
    return Status(201, line)


@router.post(
    "/calls/{call_id}/plan/lines/{line_id}/remove",
    response={200: list[PlanLineOut], **errors(400, 401, 403, 404, 422)},
    summary="Remove a line from the table's budget plan",
    **WRITE,
)
def remove_plan_line(request, call_id: Id, line_id: Id):
    """A body removes its own lines, the officers the public contribution and the lines of
    a body that left the table. Returns the lines that remain."""
    access = access_plan(request.user, call_id)
    line = PlanLine.objects.filter(procedure=access.procedure, pk=line_id).first()
    if line is None:
        raise Http404(_("No such line."))
    plan.remove_plan_line(line, by=request.user)
    return _plan_lines(access.procedure)


# --- drafting the agreement -------------------------------------------------------------------


class PartyOut(Schema):
    id: int
    organization: str
    role: str
    active: bool
    representative_name: str
    representative_tax_code: str
    receives_public_money: bool
    legal_basis: str
    office: str
    official: str
    selection_method: str
    published_at: datetime | None

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.slug


class AgreementOut(Schema):
    id: int
    call: int
    object: str
    starts_on: date
    ends_on: date
    governance: str
    obligations: str
    parties: list[PartyOut]

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_parties(obj):
        return list(obj.parties.select_related("organization").order_by("role", "pk"))


class AgreementIn(InputSchema):
    object: Text(LONG_TEXT)
    starts_on: date
    ends_on: date
    governance: Text(LONG_TEXT) = ""
    obligations: Text(LONG_TEXT) = ""


class AgreementChangeIn(InputSchema):
    """Only the fields sent change."""

    object: Text(LONG_TEXT) | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    governance: Text(LONG_TEXT) | None = None
    obligations: Text(LONG_TEXT) | None = None


@router.post(
    "/calls/{call_id}/agreement",
    response={201: AgreementOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Start the agreement",
    **WRITE,
)
def draft_agreement(request, call_id: Id, payload: AgreementIn):
    """The RUP starts the agreement of a procedure at the co-design table, once the shared
    project is adopted (403 `forbidden` before); the parties are filled in: the owning body,
    each selected proposal's lead and partners. 409 `already_drafted` if it exists."""
    procedure = access_procedure(request.user, call_id, rup=True).procedure
    if Agreement.objects.filter(procedure=procedure).exists():
        raise ApiError(409, "already_drafted", _("This procedure already has its agreement."))
    if procedure.state != Procedure.State.TABLE or not hasattr(procedure, "adoption"):
        raise PermissionDenied(
            _("The agreement is drafted at the table, once the shared project is adopted.")
        )
    agreement = drafting.draft_agreement(procedure, by=request.user, **payload.dict())
    return Status(201, agreement)


@router.post(
    "/agreements/{agreement_id}/update",
    response={200: AgreementOut, **errors(400, 401, 403, 404, 422)},
    summary="Change the agreement's object, dates, governance or obligations",
    **WRITE,
)
def update_agreement(request, agreement_id: Id, payload: AgreementChangeIn):
    """The RUP, at the table or while preparing an amendment: the next version carries the
    change. Refused if the end comes before the start or the object is empty."""
    access = access_agreement(request.user, agreement_id, rup=True)
    fields = {name: value for name, value in payload.dict().items() if value is not None}
    return drafting.update_agreement(access.agreement, by=request.user, **fields)


class AgreementPartRemovedOut(Schema):
    part: str
    id: int
    removed: bool


@router.post(
    "/agreements/{agreement_id}/parts/{part}/{item_id}/remove",
    response={200: AgreementPartRemovedOut, **errors(400, 401, 403, 404, 422)},
    summary="Remove a part of the draft agreement",
    **WRITE,
)
def remove_agreement_part(
    request,
    agreement_id: Id,
    part: Literal["steering", "clause", "period", "indicator", "tranche"],
    item_id: Id,
):
    """The RUP takes a steering group member, a clause, a reporting period, an indicator or
    a tranche out of the draft. Refused (400) for the part that is gone, a period before
    others or that a report or tranche names, an indicator with reported values, a tranche
    paid."""
    access = access_agreement(request.user, agreement_id, rup=True)
    drafting.remove_part(access.agreement, by=request.user, part=part, pk=item_id)
    return {"part": part, "id": item_id, "removed": True}


class TargetIn(InputSchema):
    period: Annotated[int, Field(ge=1, le=32767, description="The period's number.")]
    value: Quantity


class TargetOut(Schema):
    indicator: int
    period: int
    value: str

    @staticmethod
    def resolve_indicator(obj):
        return obj.indicator_id

    @staticmethod
    def resolve_period(obj):
        return obj.period.number

    @staticmethod
    def resolve_value(obj):
        return money(obj.value)


@router.post(
    "/agreements/{agreement_id}/indicators/{indicator_id}/targets",
    response={200: TargetOut, **errors(400, 401, 403, 404, 422)},
    summary="Set an indicator's target for a period",
    **WRITE,
)
def set_target(request, agreement_id: Id, indicator_id: Id, payload: TargetIn):
    """The RUP sets the value the indicator should reach by the end of the reporting period
    (by its number; `unknown_period` if the calendar has none such); a new value replaces
    the old."""
    access = access_agreement(request.user, agreement_id, rup=True)
    indicator = Indicator.objects.filter(pk=indicator_id, agreement=access.agreement).first()
    if indicator is None:
        raise Http404(_("No such indicator."))
    period = access.agreement.periods.filter(number=payload.period).first()
    if period is None:
        raise refused(
            "period",
            "unknown_period",
            _("This period is not in the agreement's reporting calendar."),
        )
    value = bounded(value=(payload.value, QUANTITY))["value"]
    return drafting.set_target(indicator, by=request.user, period=period, value=value)


class PartyIn(InputSchema):
    """Only the fields sent change; a party's administrators may send only the first two."""

    representative_name: Text(200, min_length=1) | None = None
    representative_tax_code: Text(16) | None = None
    receives_public_money: bool | None = None
    legal_basis: Text(300) | None = None
    office: Text(200) | None = None
    official: Text(200) | None = None
    selection_method: Text(300) | None = None


def _party(access, party_id) -> Party:
    party = (
        Party.objects.select_related("organization", "agreement__procedure")
        .filter(pk=party_id, agreement=access.agreement)
        .first()
    )
    if party is None:
        raise Http404(_("No such party."))
    return party


@router.post(
    "/agreements/{agreement_id}/parties/{party_id}/update",
    response={200: PartyOut, **errors(400, 401, 403, 404, 422)},
    summary="Change a party's representative or art. 27 data",
    **WRITE,
)
def update_party(request, agreement_id: Id, party_id: Id, payload: PartyIn):
    """The RUP fills in a party's legal representative and its art. 27 data (D.Lgs.
    33/2013); a party's administrators may correct their legal representative's name and
    tax code (403 `forbidden` for the other fields, or for anyone else). Refused with
    `natural_person` for public money to a body registered under a person's tax code."""
    access = access_agreement(request.user, agreement_id)
    party = _party(access, party_id)
    fields = {name: value for name, value in payload.dict().items() if value is not None}
    if not access.is_rup and set(fields) - set(drafting.REPRESENTATIVE_FIELDS):
        raise PermissionDenied(_("Only the RUP or the party's administrators can do this."))
    return drafting.update_party(party, by=request.user, **fields)


@router.post(
    "/agreements/{agreement_id}/parties/{party_id}/withdraw",
    response={200: PartyOut, **errors(400, 401, 403, 404, 422)},
    summary="A party leaves the agreement",
    **WRITE,
)
def withdraw_party(request, agreement_id: Id, party_id: Id):
    """The RUP: the party is no longer asked to sign the versions that follow. Refused for
    the public body and for a party that already left."""
    access = access_agreement(request.user, agreement_id, rup=True)
    return drafting.withdraw_party(_party(access, party_id), by=request.user)


# --- cancelling at the table, the art. 27 publication -----------------------------------------


class AgreementCancelIn(InputSchema):
    reason: Text(LONG_TEXT)


class CallStateOut(Schema):
    call: int
    state: str


@router.post(
    "/agreements/{agreement_id}/cancel",
    response={200: CallStateOut, **errors(400, 401, 403, 404, 422)},
    summary="Cancel the procedure before the agreement is signed",
    **WRITE,
)
def cancel_at_table(request, agreement_id: Id, payload: AgreementCancelIn):
    """The RUP cancels the procedure at the co-design table, with a public reason (required):
    the pledges recorded at the ranking are reversed. Refused once the agreement is signed."""
    access = access_agreement(request.user, agreement_id, rup=True)
    procedure = signing.cancel_at_table(access.agreement, by=request.user, reason=payload.reason)
    return {"call": procedure.pk, "state": procedure.state}


@router.post(
    "/agreements/{agreement_id}/parties/{party_id}/publication",
    response={200: PartyOut, **errors(400, 401, 403, 404, 422)},
    summary="Record that a party's contribution is published (art. 27)",
    **WRITE,
)
def mark_published(request, agreement_id: Id, party_id: Id):
    """The RUP declares the contribution to this party published in “Amministrazione
    trasparente” (art. 27 D.Lgs. 33/2013), which its first payment requires. Refused before
    the signatures, for a party without public money, without the art. 27 data or its tax
    code (`no_tax_code`), and once recorded (`already_published`)."""
    access = access_agreement(request.user, agreement_id, rup=True)
    return signing.mark_published(_party(access, party_id), by=request.user)
