"""Calls and proposals: list open calls, write, publish, revise and cancel a call, attach its
documents, submit a proposal, read the ranking; a co-programming from the interest of the
bodies to the co-design it starts; procedures recorded from a program's history. Every act
calls the procedures' services and access helpers; the sealing rule holds here as on the
pages (a proposal is readable only through its partners until the deadline, and this API
returns no proposal content at all)."""

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from trama.lib.numbers import AMOUNT, POINTS
from trama.procedures import services
from trama.procedures.access import (
    TABLE_STATES,
    ProcedureAccess,
    access_procedure,
    access_proposal,
)
from trama.procedures.models import Contribution, Procedure, Proposal, Receipt
from trama.procedures.workflow import RUP, who_may
from trama.programs.access import OWNER, access_program
from trama.programs.models import Area

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import (
    LONG_TEXT,
    NO_NUL,
    Amount,
    Id,
    InputSchema,
    Pagination,
    Points,
    RegionCode,
    Slug,
    Text,
    Year,
    bounded,
)
from .errors import ApiError, errors, organization_named, refused
from .schemas import ProcedureOut

router = Router(tags=["procedures"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}
WRITE = {"auth": TokenAuth(write=True)}


class CriterionOut(Schema):
    id: int
    title: str
    description: str
    max_points: Decimal


class CallOut(Schema):
    id: int
    title: str
    kind: str
    state: str
    owner: str
    program: str
    area: str
    deadline: datetime | None
    published_at: datetime | None
    url: str

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.slug

    @staticmethod
    def resolve_program(obj):
        return obj.program.slug

    @staticmethod
    def resolve_area(obj):
        return obj.program.area

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class BudgetYearOut(Schema):
    year: int
    amount: Decimal


class CallDetailOut(CallOut):
    description: str
    objectives: str
    territory: str
    duration_months: int | None
    requirements: str
    non_ets_partners: bool
    clarification_deadline: datetime | None
    min_score: Decimal | None
    criteria: list[CriterionOut]
    budget: list[BudgetYearOut] = Field(description="The public budget, year by year.")
    final_document: str = Field(description="A concluded co-programming's final document.")
    parent: int | None = Field(description="The co-programming this co-design comes from.")

    @staticmethod
    def resolve_criteria(obj):
        return list(obj.criteria.all())

    @staticmethod
    def resolve_budget(obj):
        return list(obj.budget.all())

    @staticmethod
    def resolve_parent(obj):
        return obj.parent_id


# The lengths of the columns (trama.procedures.models); at most MAX_CRITERIA criteria and
# MAX_BUDGET_YEARS years of budget, as the call's form takes.
MAX_CRITERIA = 50
MAX_BUDGET_YEARS = 50


class CriterionIn(InputSchema):
    title: Text(200)
    description: Text(LONG_TEXT) = ""
    max_points: Points


class _CallText(InputSchema):
    title: Text(200)
    description: Text(LONG_TEXT)
    objectives: Text(LONG_TEXT) = ""
    territory: Text(200) = ""
    requirements: Text(LONG_TEXT) = ""
    non_ets_partners: bool = False
    deadline: datetime
    clarification_deadline: datetime | None = None
    min_score: Points | None = None
    criteria: list[CriterionIn] = Field(max_length=MAX_CRITERIA)


class CallIn(_CallText):
    kind: Literal["CO_DESIGN", "CO_PROGRAMMING"] = "CO_DESIGN"


class BudgetYearIn(InputSchema):
    year: Year
    amount: Amount


class CallRevisionIn(_CallText):
    """The whole draft as it is to be: what is not sent is emptied, as on the draft's page."""

    duration_months: Annotated[int, Field(ge=1, le=240)] | None = None
    budget: list[BudgetYearIn] = Field([], max_length=MAX_BUDGET_YEARS)


class CallFilters(Schema):
    area: Area | None = None
    region: RegionCode | None = None
    status: Literal["open", "all"] = "open"


# JSON keys are strings: the document says which strings (criterion ids) may be keys.
Sections = Annotated[
    dict[Id, Text(LONG_TEXT)],
    Field(max_length=MAX_CRITERIA),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": "^[1-9][0-9]{0,17}$"},
            "additionalProperties": {"type": "string", "maxLength": LONG_TEXT, "pattern": NO_NUL},
            "maxProperties": MAX_CRITERIA,
            "description": "Criterion id → the section's text.",
        }
    ),
]


class ProposalIn(InputSchema):
    lead: Slug
    title: Text(200)
    sections: Sections = {}
    budget_total: Amount | None = None


class ProposalOut(Schema):
    id: int
    call: int
    lead: str
    state: str
    version: int
    submitted_at: datetime | None

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_lead(obj):
        return obj.lead.slug


class ReceiptOut(Schema):
    number: str
    issued_at: datetime
    sha256: str
    canonical_json: str


class RankingRow(Schema):
    rank: int
    lead: str
    score: Decimal
    outcome: str


class RankingOut(Schema):
    call: int
    state: str
    ranked_at: datetime | None
    ranking: list[RankingRow]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)  # in Europe/Rome, the platform's time zone
    return value


def _call_fields(payload: CallIn | CallRevisionIn) -> dict:
    """A call as the services take it: points bounded as on the pages, deadlines aware."""
    data = payload.dict()
    data["min_score"] = bounded(min_score=(payload.min_score, POINTS))["min_score"]
    for criterion in data["criteria"]:  # refusals name the field `criteria`, as the service's do
        criterion["max_points"] = bounded(criteria=(criterion["max_points"], POINTS))["criteria"]
    data["deadline"] = _aware(data["deadline"])
    data["clarification_deadline"] = _aware(data["clarification_deadline"])
    if "budget" in data:
        budget = {}
        for row in data["budget"]:
            if row["year"] in budget:
                raise refused("budget", "duplicate_year", _("Give each year once."))
            budget[row["year"]] = bounded(budget=(row["amount"], AMOUNT))["budget"]
        data["budget"] = budget
    return data


def _check_may(access, act: str) -> None:
    """As the pages: 403 for an officer who isn't the RUP of a RUP's act, and `wrong_state`
    (400) for an act the procedure's state does not allow now (trama.procedures.workflow)."""
    who = who_may(access.procedure, act)
    if who == RUP and not access.is_rup:
        raise PermissionDenied(_("Only the procedure manager (RUP) can do this."))
    if who == "":
        message = _("This can't be done now: the procedure is “%(state)s”.") % {
            "state": access.procedure.get_state_display()
        }
        raise ApiError(400, "wrong_state", message)


def _decoded(file_base64: str) -> bytes:
    try:
        return base64.b64decode(file_base64, validate=True)
    except (binascii.Error, ValueError):
        raise refused("file_base64", "invalid_base64", _("The file is not valid Base64.")) from None


@router.get(
    "/calls", response={200: list[CallOut], **errors(401, 422)}, summary="List calls", **PUBLIC
)
@paginate(Pagination)
def list_calls(request, filters: Query[CallFilters]):
    """Open calls by default, nearest deadline first; `status=all` lists every published
    call, newest first. `region` is an ISTAT region code (03)."""
    calls = Procedure.objects.public().select_related("owner", "program")
    if filters.status == "open":
        calls = calls.open_calls().order_by("deadline", "pk")
    else:
        calls = calls.order_by("-published_at", "pk")
    if filters.area:
        calls = calls.filter(program__area=filters.area)
    if filters.region:
        calls = calls.filter(owner__municipality__province__region__istat_code=filters.region)
    return calls


@router.get(
    "/calls/{call_id}",
    response={200: CallDetailOut, **errors(401, 404, 422)},
    summary="Read a call",
    **PUBLIC,
)
def get_call(request, call_id: Id):
    """A published call for anyone; a draft only for its public body's members."""
    return access_procedure(request.user, call_id).procedure.observed()


@router.post(
    "/programs/{slug}/calls",
    response={201: CallDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Write a draft call",
    **WRITE,
)
def create_call(request, slug: Slug, payload: CallIn):
    """An officer of the program's verified public body writes a draft; they become its RUP."""
    program = access_program(request.user, slug, need=OWNER).program
    data = _call_fields(payload)
    kind = data.pop("kind")
    call = services.draft_call(by=request.user, program=program, kind=kind, **data)
    return Status(201, call)


@router.post(
    "/calls/{call_id}/publish",
    response={200: CallDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Publish a call",
    **WRITE,
)
def publish_call(request, call_id: Id):
    """Refused with 400 while the call lacks an object, a deadline a day away, or criteria."""
    access = access_procedure(request.user, call_id, officer=True)
    return services.publish_call(access.procedure, by=request.user)


@router.get(
    "/calls/{call_id}/ranking",
    response={200: RankingOut, **errors(401, 404, 422)},
    summary="Read the ranking",
    **PUBLIC,
)
def get_ranking(request, call_id: Id):
    """Empty until the RUP approves and publishes the ranking."""
    procedure = access_procedure(request.user, call_id).procedure
    rows = []
    # Published from the ranking on, through the co-design table and what follows it.
    if procedure.state == Procedure.State.RANKED or procedure.state in TABLE_STATES:
        rows = [
            {"rank": p.rank, "lead": p.lead.slug, "score": p.total_score, "outcome": p.state}
            for p in procedure.proposals.filter(rank__isnull=False)
            .select_related("lead")
            .order_by("rank", "pk")
        ]
    return {
        "call": procedure.pk,
        "state": procedure.state,
        "ranked_at": procedure.ranked_at,
        "ranking": rows,
    }


@router.post(
    "/calls/{call_id}/proposals",
    response={201: ProposalOut, **errors(400, 401, 403, 404, 422)},
    summary="Start a proposal",
    **WRITE,
)
def create_proposal(request, call_id: Id, payload: ProposalIn):
    """An administrator of the lead body starts a draft; `sections` maps criterion ids to
    text. Partners, the budget plan and files are added on the proposal's page."""
    procedure = access_procedure(request.user, call_id).procedure
    budget_total = bounded(budget_total=(payload.budget_total, AMOUNT))["budget_total"]
    lead = organization_named(payload.lead, "lead")
    with transaction.atomic():  # a refused section or total leaves no draft behind
        proposal = services.start_proposal(
            procedure, by=request.user, lead=lead, title=payload.title
        )
        if payload.sections or budget_total is not None:
            services.update_proposal(
                proposal, by=request.user, sections=payload.sections, budget_total=budget_total
            )
    return Status(201, proposal)


@router.post(
    "/proposals/{proposal_id}/submit",
    response={200: ReceiptOut, **errors(400, 401, 403, 404, 422)},
    summary="Submit a proposal",
    **WRITE,
)
def submit_proposal(request, proposal_id: Id):
    """Before the deadline only (`deadline_passed` after it). A second call returns the same
    receipt. `sha256` is the SHA-256 of `canonical_json`, which anyone can hash again."""
    access = access_proposal(request.user, proposal_id)
    return services.submit_proposal(access.proposal, by=request.user)


@router.post(
    "/proposals/{proposal_id}/withdraw",
    response={200: ProposalOut, **errors(400, 401, 403, 404, 422)},
    summary="Withdraw a proposal",
    **WRITE,
)
def withdraw_proposal(request, proposal_id: Id):
    """Before the deadline only."""
    access = access_proposal(request.user, proposal_id)
    return services.withdraw_proposal(access.proposal, by=request.user)


class ClarificationOut(Schema):
    """A question on a call and its answer; who asked is never shown."""

    id: int
    call: int
    question: str
    asked_at: datetime
    answer: str = Field(description="Empty until the public body answers.")
    answered_at: datetime | None

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id


class QuestionIn(InputSchema):
    question: Text(LONG_TEXT)


class AnswerIn(InputSchema):
    answer: Text(LONG_TEXT)


class ExtensionIn(InputSchema):
    deadline: datetime = Field(description="Later than the current one; Europe/Rome if naive.")
    reason: Text(LONG_TEXT) = Field(description="Published as a notice on the call.")
    protocol_number: Text(80) = ""


@router.post(
    "/calls/{call_id}/clarifications",
    response={201: ClarificationOut, **errors(400, 401, 403, 404, 422)},
    summary="Ask a question on a call",
    **WRITE,
)
def ask_clarification(request, call_id: Id, payload: QuestionIn):
    """While the call is published and before the questions' deadline (`call_not_open`,
    `questions_closed`). The answer is published to all; the asker is not named."""
    procedure = access_procedure(request.user, call_id).procedure
    clarification = services.ask_clarification(
        procedure, by=request.user, question=payload.question
    )
    return Status(201, clarification)


@router.post(
    "/calls/{call_id}/clarifications/{clarification_id}/answer",
    response={200: ClarificationOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Answer a question on a call",
    **WRITE,
)
def answer_clarification(request, call_id: Id, clarification_id: Id, payload: AnswerIn):
    """Officers of the owning body; the answer is published and the asker told by e-mail.
    A question already answered: 409 `already_answered`."""
    procedure = access_procedure(request.user, call_id, officer=True).procedure
    clarification = procedure.clarifications.filter(pk=clarification_id).first()
    if clarification is None:
        raise ApiError(404, "not_found", _("Not found."))
    return services.answer_clarification(clarification, by=request.user, answer=payload.answer)


@router.post(
    "/calls/{call_id}/extend",
    response={200: CallDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Extend a call's deadline",
    **WRITE,
)
def extend_deadline(request, call_id: Id, payload: ExtensionIn):
    """The RUP only (403 for other officers), before the deadline passes (`deadline_passed`),
    to a later one (`not_later`); the reason is published as a notice."""
    access = access_procedure(request.user, call_id, rup=True)
    return services.extend_deadline(
        access.procedure,
        by=request.user,
        deadline=_aware(payload.deadline),
        reason=payload.reason,
        protocol_number=payload.protocol_number,
    )


@router.post(
    "/calls/{call_id}/update",
    response={200: CallDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Rewrite a draft call",
    **WRITE,
)
def revise_call(request, call_id: Id, payload: CallRevisionIn):
    """Officers of the owning body, while the call is a draft (`wrong_state` once it is
    published). The draft becomes what is sent, criteria and budget included: a criterion or
    a year not sent is removed. `duplicate_year`, `year_outside_program`; nothing changes
    when any part is refused."""
    access = access_procedure(request.user, call_id, officer=True)
    _check_may(access, "edit")
    data = _call_fields(payload)
    return services.revise_call(access.procedure, by=request.user, **data)


class CallCancelIn(InputSchema):
    reason: Text(LONG_TEXT) = Field(description="Published as a notice on a published call.")
    protocol_number: Text(80) = ""


@router.post(
    "/calls/{call_id}/cancel",
    response={200: CallDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Cancel a procedure",
    **WRITE,
)
def cancel_procedure(request, call_id: Id, payload: CallCancelIn):
    """Any officer cancels a draft; once published, the RUP only (403 for other officers).
    The reason is required (`required`) and published; at the co-design table the pledges of
    the selected proposals are reversed. `wrong_state` once it can no longer be cancelled."""
    access = access_procedure(request.user, call_id, officer=True)
    _check_may(access, "cancel")
    return services.cancel_procedure(
        access.procedure,
        by=request.user,
        reason=payload.reason,
        protocol_number=payload.protocol_number,
    )


# A document of up to 20 MB, in Base64.
MAX_FILE_BASE64 = 28_000_000


class CallDocumentIn(InputSchema):
    title: Text(200) = Field("", description="The file's name if empty.")
    file_name: Annotated[str, Field(min_length=5, max_length=200, pattern=r"^[^/\\\x00]+$")]
    file_base64: Annotated[
        str,
        Field(
            max_length=MAX_FILE_BASE64,
            description="PDF, signed .p7m, PNG, JPEG, XLSX or CSV, up to 20 MB.",
        ),
    ]


class CallDocumentOut(Schema):
    id: int
    call: int
    title: str
    name: str
    size: int
    sha256: str
    uploaded_at: datetime
    url: str

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_url(obj):
        return reverse("procedures:call_document", args=[obj.procedure_id, obj.pk])


@router.post(
    "/calls/{call_id}/documents",
    response={201: CallDocumentOut, **errors(400, 401, 403, 404, 422)},
    summary="Attach a document to a call",
    **WRITE,
)
def attach_call_document(request, call_id: Id, payload: CallDocumentIn):
    """Officers of the owning body: the notice, forms, annexes, sent in Base64 and kept with
    their SHA-256; public once the call is. `invalid_base64`, `file_type`, `file_too_large`,
    `file_content_mismatch` (the content is not what the extension says), `procedure_closed` once the
    procedure is cancelled or completed."""
    access = access_procedure(request.user, call_id, officer=True)
    upload = SimpleUploadedFile(payload.file_name, _decoded(payload.file_base64))
    document = services.attach_call_document(
        access.procedure, by=request.user, upload=upload, title=payload.title
    )
    return Status(201, document)


# Co-programming (art. 55 of the Third-Sector Code): bodies express interest while the call
# is open, the RUP admits them after the deadline, thematic tables meet, the admitted bodies
# contribute, and the final document concludes it; a co-design can follow.


class InterestIn(InputSchema):
    organization: Slug = Field(description="A body the token's owner administers.")
    motivation: Text(LONG_TEXT) = ""


class ParticipationOut(Schema):
    id: int
    call: int
    organization: str
    state: str
    motivation: str
    reason: str
    expressed_at: datetime

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.slug


@router.post(
    "/calls/{call_id}/interest",
    response={201: ParticipationOut, **errors(400, 401, 403, 404, 422)},
    summary="Express a body's interest in a co-programming",
    **WRITE,
)
def express_interest(request, call_id: Id, payload: InterestIn):
    """An administrator of the body (403 for anyone else), named by its short name
    (`unknown_organization`), in a co-programming (`not_coprogramming` for a co-design call:
    there one submits a proposal) while the call is open (`call_not_open`); once for each body
    (`already_interested`). A public body only where the call admits non-ETS partners
    (`third_sector_only`)."""
    procedure = access_procedure(request.user, call_id).procedure
    organization = organization_named(payload.organization, "organization")
    participation = services.express_interest(
        procedure, by=request.user, organization=organization, motivation=payload.motivation
    )
    return Status(201, participation)


class DecisionIn(InputSchema):
    organization: Slug
    admit: bool
    reason: Text(500) = Field("", description="Required when not admitting; published.")


class AdmissionIn(InputSchema):
    decisions: list[DecisionIn] = Field(max_length=1000)
    protocol_number: Text(80) = ""


class AdmissionOut(Schema):
    call: int
    state: str
    participations: list[ParticipationOut]


def _coprogramming_out(procedure: Procedure, participations) -> dict:
    return {"call": procedure.pk, "state": procedure.state, "participations": participations}


@router.post(
    "/calls/{call_id}/participants",
    response={200: AdmissionOut, **errors(400, 401, 403, 404, 422)},
    summary="Admit the participants of a co-programming",
    **WRITE,
)
def admit_participants(request, call_id: Id, payload: AdmissionIn):
    """The RUP, after the deadline (`deadline_not_passed`), decides once on every body that
    expressed interest (`undecided` if one is missing, `not_interested` for a body that did
    not), giving the reason of each refusal (`reason_required`); the list is published."""
    access = access_procedure(request.user, call_id, rup=True)
    _check_may(access, "admit_participants")
    procedure = access.procedure
    participations = {
        p.organization.slug: p for p in procedure.participations.select_related("organization")
    }
    decisions = {}
    for row in payload.decisions:
        participation = participations.get(row.organization)
        if participation is None:
            raise refused("decisions", "not_interested", _("This body did not express interest."))
        if participation.pk in decisions:
            raise refused("decisions", "duplicate", _("Decide on each body once."))
        decisions[participation.pk] = (row.admit, row.reason)
    services.admit_participants(
        procedure, by=request.user, decisions=decisions, protocol_number=payload.protocol_number
    )
    procedure.refresh_from_db(fields=["state"])
    return _coprogramming_out(
        procedure, list(procedure.participations.select_related("organization"))
    )


class ThematicTableIn(InputSchema):
    title: Text(200) = Field(description="The table's theme.")
    held_at: datetime = Field(description="Europe/Rome if naive.")
    agenda: Text(LONG_TEXT)


class ThematicTableOut(Schema):
    id: int
    call: int
    title: str
    held_at: datetime
    agenda: str
    minutes: str
    attendees: list[str]

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_attendees(obj):
        return sorted(o.slug for o in obj.attendees.all())


@router.post(
    "/calls/{call_id}/meetings",
    response={201: ThematicTableOut, **errors(400, 401, 403, 404, 422)},
    summary="Schedule a thematic table of a co-programming",
    **WRITE,
)
def add_thematic_table(request, call_id: Id, payload: ThematicTableIn):
    """The RUP, once the participants are admitted (`wrong_state` before); the first table
    starts the working phase. A co-design's meetings are the co-design table's
    (`not_coprogramming`)."""
    access = access_procedure(request.user, call_id, rup=True)
    _check_may(access, "schedule_meeting")
    meeting = services.add_meeting(
        access.procedure,
        by=request.user,
        title=payload.title,
        held_at=_aware(payload.held_at),
        agenda=payload.agenda,
    )
    return Status(201, meeting)


class ThematicMinutesIn(InputSchema):
    minutes: Text(LONG_TEXT)
    attendees: list[Slug] = Field([], max_length=1000, description="Admitted bodies present.")


@router.post(
    "/calls/{call_id}/meetings/{meeting_id}/minutes",
    response={200: ThematicTableOut, **errors(400, 401, 403, 404, 422)},
    summary="Record the minutes of a thematic table",
    **WRITE,
)
def record_thematic_minutes(request, call_id: Id, meeting_id: Id, payload: ThematicMinutesIn):
    """The RUP, while the tables work (`wrong_state` otherwise), with the admitted bodies
    that attended (`not_a_participant` for any other); a new text replaces the last."""
    access = access_procedure(request.user, call_id, rup=True)
    _check_may(access, "record_minutes")
    meeting = access.procedure.meetings.filter(pk=meeting_id).first()
    if meeting is None:
        raise ApiError(404, "not_found", _("Not found."))
    attendees = list(access.procedure.participants.filter(slug__in=payload.attendees))
    if len(attendees) != len(set(payload.attendees)):
        raise refused(
            "attendees", "not_a_participant", _("Only admitted participants attend the tables.")
        )
    return services.record_minutes(
        meeting, by=request.user, minutes=payload.minutes, attendees=attendees
    )


class ContributionIn(InputSchema):
    organization: Slug = Field(description="An admitted body the token's owner is a member of.")
    kind: Literal[tuple(Contribution.Kind.values)]  # plain values: see ProcedureKind
    text: Text(LONG_TEXT)


class ContributionOut(Schema):
    id: int
    call: int
    organization: str
    kind: str
    text: str
    created_at: datetime

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.slug


@router.post(
    "/calls/{call_id}/contributions",
    response={201: ContributionOut, **errors(400, 401, 403, 404, 422)},
    summary="Contribute to a co-programming",
    **WRITE,
)
def add_contribution(request, call_id: Id, payload: ContributionIn):
    """A member of an admitted body (403 for anyone else) adds a need, a resource or a
    proposal, published on the call, from the admission until the conclusion
    (`wrong_state`)."""
    access = access_procedure(request.user, call_id)
    _check_may(access, "contribute")
    organization = organization_named(payload.organization, "organization")
    contribution = services.add_contribution(
        access.procedure,
        by=request.user,
        organization=organization,
        kind=payload.kind,
        text=payload.text,
    )
    return Status(201, contribution)


class ConclusionIn(InputSchema):
    final_document: Text(LONG_TEXT) = Field(description="Published; it can't change after.")


@router.post(
    "/calls/{call_id}/conclude",
    response={200: CallDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Conclude a co-programming",
    **WRITE,
)
def conclude_coprogramming(request, call_id: Id, payload: ConclusionIn):
    """The RUP approves the final document while the tables work (`wrong_state` otherwise):
    no more tables or contributions afterwards."""
    access = access_procedure(request.user, call_id, rup=True)
    _check_may(access, "conclude")
    return services.conclude_coprogramming(
        access.procedure, by=request.user, final_document=payload.final_document
    )


class CodesignIn(InputSchema):
    title: Text(200)


@router.post(
    "/calls/{call_id}/codesign",
    response={201: CallDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Start a co-design from a co-programming",
    **WRITE,
)
def start_codesign(request, call_id: Id, payload: CodesignIn):
    """The RUP of a concluded co-programming (`wrong_state` before) writes a draft co-design
    call that inherits its final document, objectives and territory; its `parent` is the
    co-programming, its RUP the token's owner."""
    access = access_procedure(request.user, call_id, rup=True)
    _check_may(access, "start_codesign")
    codesign = services.start_codesign(access.procedure, by=request.user, title=payload.title)
    return Status(201, codesign)


# A program's history: procedures that ran before Trama.


# The kinds as plain values: an enum would be named `Kind` in the document, like the
# ledger's entry kinds, and two components can't share a name.
ProcedureKind = Literal[tuple(Procedure.Kind.values)]


class HistoricalProcedureIn(InputSchema):
    title: Text(200)
    kind: ProcedureKind = Procedure.Kind.CO_DESIGN.value
    reference: Text(80) = Field("", description="The number of the act that opened it.")
    opened_on: date | None = None
    closed_on: date | None = None
    description: Text(LONG_TEXT) = ""


@router.post(
    "/programs/{slug}/procedures",
    response={201: ProcedureOut, **errors(400, 401, 403, 404, 422)},
    summary="Record a procedure from the program's history",
    **WRITE,
)
def record_historical_procedure(request, slug: Slug, payload: HistoricalProcedureIn):
    """Members of the program's verified public body record a procedure that ran before
    Trama, as completed: no workflow, nothing sealed. `closes_before_opening`."""
    program = access_program(request.user, slug, need=OWNER).program
    procedure = services.record_historical_procedure(
        by=request.user, program=program, **payload.dict()
    )
    return Status(201, procedure)


# The evaluation desk
#
# The desk's acts after the deadline, with the same access as its pages
# (trama.procedures.views_evaluation): the RUP appoints the commission, opens the evaluation
# and approves the ranking; the RUP and the evaluators declare on conflicts of interest; who
# checks admission decides it and asks for missing documents; an evaluator scores; an
# officer registers a receipt in the public body's protocol. Nothing here answers with a
# proposal's content: a proposal is named by its id, lead body and state, as the desk shows it.

Email = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")]
ReceiptNumber = Annotated[
    str, Field(max_length=40, pattern=r"^[0-9]+-[0-9]+$", description="E.g. 12-00003.")
]


class AppointIn(InputSchema):
    email: Email = Field(description="The e-mail address of a person with an account on Trama.")
    chair: bool = False


class CommissionMemberOut(Schema):
    call: int
    name: str
    email: str
    is_chair: bool
    appointed_at: datetime

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_name(obj):
        return obj.user.get_full_name() or obj.user.email

    @staticmethod
    def resolve_email(obj):
        return obj.user.email


class DeclarationIn(InputSchema):
    has_conflict: bool
    note: Text(LONG_TEXT) = ""


class DeclarationOut(Schema):
    call: int
    has_conflict: bool
    bodies: list[str] = Field(description="The bodies declared on: every partner of a proposal.")
    note: str
    declared_at: datetime

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id


class ProposalAdmissionIn(InputSchema):
    admit: bool
    reason: Text(LONG_TEXT) = Field(description="The applicant reads it.")


class ProposalAdmissionOut(ProposalOut):
    decision_reason: str
    decided_at: datetime | None


class DocumentRequestIn(InputSchema):
    text: Text(LONG_TEXT) = Field(description="Which documents are missing.")
    deadline: datetime = Field(description="In the future; Europe/Rome if naive.")


class DocumentRequestOut(Schema):
    id: int
    proposal: int
    text: str
    deadline: datetime
    requested_at: datetime

    @staticmethod
    def resolve_proposal(obj):
        return obj.proposal_id


class ScoreIn(InputSchema):
    criterion: Id
    points: Points
    rationale: Text(LONG_TEXT)


class ScoresIn(InputSchema):
    scores: list[ScoreIn] = Field(min_length=1, max_length=MAX_CRITERIA)


class ScoreOut(Schema):
    criterion: int
    points: Decimal
    rationale: str
    scored_at: datetime

    @staticmethod
    def resolve_criterion(obj):
        return obj.criterion_id


class RankIn(InputSchema):
    protocol_number: Text(80) = Field("", description="Of the act approving the ranking.")


class ProtocolIn(InputSchema):
    protocol_number: Text(80)


class ProtocolOut(Schema):
    number: str
    issued_at: datetime
    protocol_number: str


def _desk(request, call_id) -> ProcedureAccess:
    """The desk is for the public body's officers and the commission (403 for the others)."""
    access = access_procedure(request.user, call_id)
    if not (access.is_officer or access.is_evaluator):
        raise PermissionDenied(_("The evaluation desk is for the public body and the commission."))
    return access


def _desk_proposal(request, proposal_id, *, reading=False) -> Proposal:
    """A received proposal from the desk: 404 for whoever may not know it exists (before the
    deadline, anyone outside its partnership); `reading` acts need its content readable."""
    access = access_proposal(request.user, proposal_id)
    if reading and not access.reads_content:
        raise PermissionDenied(_("Declare your interests before seeing the proposals."))
    if access.procedure_access is None:
        _desk(request, access.proposal.procedure_id)
    return access.proposal


@router.post(
    "/calls/{call_id}/commission",
    response={201: CommissionMemberOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Appoint an evaluator",
    **WRITE,
)
def appoint_evaluator(request, call_id: Id, payload: AppointIn):
    """The RUP, after the deadline (400 before it), names a person by the e-mail of their
    account (`unknown_user` if no one has it); they are told by e-mail.
    `already_appointed` (409) if they are on the commission."""
    access = access_procedure(request.user, call_id, rup=True)
    user = get_user_model().objects.filter(email__iexact=payload.email).first()
    if user is None:
        message = _("No one on Trama has this e-mail address.")
        raise ApiError(
            400, "unknown_user", message, {"email": [{"code": "unknown_user", "message": message}]}
        )
    member = services.appoint_evaluator(
        access.procedure, by=request.user, user=user, is_chair=payload.chair
    )
    return Status(201, member)


@router.post(
    "/calls/{call_id}/evaluation",
    response={200: CallDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Open the evaluation",
    **WRITE,
)
def start_evaluation(request, call_id: Id):
    """The RUP, once the call has closed and the commission is appointed (`no_commission`);
    admission and scoring begin. It can't be undone."""
    access = access_procedure(request.user, call_id, rup=True)
    return services.start_evaluation(access.procedure, by=request.user)


@router.post(
    "/calls/{call_id}/declaration",
    response={201: DeclarationOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Declare on conflicts of interest",
    **WRITE,
)
def declare_interests(request, call_id: Id, payload: DeclarationIn):
    """The RUP or an evaluator, after the deadline (`not_closed`), before reading any
    proposal: on every partner body of the proposals received, listed in the answer. Signed
    once, never changed (`already_declared`, 409); with a conflict the person takes no part."""
    access = _desk(request, call_id)
    if not (access.is_rup or access.is_evaluator):
        raise PermissionDenied(_("Only the RUP and the commission make this declaration."))
    declaration = services.declare_interests(
        access.procedure, by=request.user, has_conflict=payload.has_conflict, note=payload.note
    )
    return Status(201, declaration)


@router.post(
    "/proposals/{proposal_id}/admission",
    response={200: ProposalAdmissionOut, **errors(400, 401, 403, 404, 422)},
    summary="Admit or exclude a proposal",
    **WRITE,
)
def decide_admission(request, proposal_id: Id, payload: ProposalAdmissionIn):
    """The RUP, or the commission where the call says so, after declaring no conflict (403
    otherwise), during the evaluation (`not_evaluating`), until scoring starts
    (`scoring_started`); the reason is required and the applicant reads it."""
    proposal = _desk_proposal(request, proposal_id)
    return services.decide_admission(
        proposal, by=request.user, admit=payload.admit, reason=payload.reason
    )


@router.post(
    "/proposals/{proposal_id}/document-requests",
    response={201: DocumentRequestOut, **errors(400, 401, 403, 404, 422)},
    summary="Request missing documents",
    **WRITE,
)
def request_documents(request, proposal_id: Id, payload: DocumentRequestIn):
    """Soccorso istruttorio: whoever checks admission, during the evaluation
    (`not_evaluating`), before deciding it (`admission_decided`), with a deadline in the
    future (`not_future`). The lead body's administrators are told by e-mail."""
    proposal = _desk_proposal(request, proposal_id)
    document_request = services.request_documents(
        proposal, by=request.user, text=payload.text, deadline=_aware(payload.deadline)
    )
    return Status(201, document_request)


@router.post(
    "/proposals/{proposal_id}/scores",
    response={200: list[ScoreOut], **errors(400, 401, 403, 404, 422)},
    summary="Score a proposal",
    **WRITE,
)
def score_proposal(request, proposal_id: Id, payload: ScoresIn):
    """An evaluator who declared no conflict (403 otherwise) scores an admitted proposal
    (`not_admitted`) during the evaluation, criterion by criterion (`unknown_criterion`,
    `duplicate_criterion`), from 0 to its maximum (`too_large`) with a rationale; a score given again is replaced.
    All or none: a refused score saves none. Answers the caller's scores of the proposal."""
    proposal = _desk_proposal(request, proposal_id, reading=True)
    criteria = {c.pk: c for c in proposal.procedure.criteria.all()}
    rows = []
    for index, row in enumerate(payload.scores):
        criterion = criteria.get(row.criterion)
        if criterion is None:
            code, message = "unknown_criterion", _("This call has no such criterion.")
        elif any(criterion is seen for seen, _index, _row in rows):
            code, message = "duplicate_criterion", _("This criterion is scored twice.")
        else:
            rows.append((criterion, index, row))
            continue
        field = f"scores.{index}.criterion"
        raise ApiError(400, code, message, {field: [{"code": code, "message": message}]})
    with transaction.atomic():
        for criterion, index, row in rows:
            try:
                points = bounded(points=(row.points, POINTS))["points"]
                services.score_proposal(
                    proposal,
                    by=request.user,
                    criterion=criterion,
                    points=points,
                    rationale=row.rationale,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):  # each field named where it was sent
                    raise ValidationError(
                        {f"scores.{index}.{f}": e for f, e in exc.error_dict.items()}
                    ) from None
                raise
    return list(proposal.scores.filter(evaluator=request.user).order_by("criterion_id"))


@router.post(
    "/calls/{call_id}/ranking",
    response={200: RankingOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Approve and publish the ranking",
    **WRITE,
)
def approve_ranking(request, call_id: Id, payload: RankIn):
    """The RUP, declared clear, once every admission is decided (`admission_pending`) and
    every evaluator has scored every criterion (`scores_missing`). The ranking is public,
    scores can't change, the selected budget plans become pledges and the lead bodies are
    told. `already_ranked` (409)."""
    access = access_procedure(request.user, call_id, rup=True)
    services.approve_ranking(
        access.procedure, by=request.user, protocol_number=payload.protocol_number
    )
    return get_ranking(request, call_id)


@router.post(
    "/calls/{call_id}/receipts/{number}/protocol",
    response={200: ProtocolOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Register a receipt in the protocol",
    **WRITE,
)
def record_protocol_number(request, call_id: Id, number: ReceiptNumber, payload: ProtocolIn):
    """An officer of the owning body writes its own protocol number on a receipt of the call,
    after the deadline (before it, no receipt is found: 404). Once only
    (`already_registered`, 409)."""
    access = _desk(request, call_id)
    if not access.is_officer:
        raise PermissionDenied(_("Only the officers of the owning public body can do this."))
    # An act after the deadline closes the call first, as every act of the desk does.
    procedure = services.close_if_due(access.procedure)
    receipt = None
    if procedure.closed_at is not None:
        receipt = Receipt.objects.filter(number=number, proposal__procedure=procedure).first()
    if receipt is None:
        raise ApiError(404, "not_found", _("Not found."))
    return services.record_protocol_number(
        receipt, by=request.user, protocol_number=payload.protocol_number
    )
