"""Calls and proposals: list open calls, write and publish a call, submit a proposal, read
the ranking. Every act calls the procedures' services and access helpers; the sealing rule
holds here as on the pages (a proposal is readable only through its partners until the
deadline, and this API returns no proposal content at all)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from trama.lib.numbers import AMOUNT, POINTS
from trama.organizations.models import Organization
from trama.procedures import services
from trama.procedures.access import TABLE_STATES, access_procedure, access_proposal
from trama.procedures.models import Procedure
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
    bounded,
)
from .errors import ApiError, errors

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


class CallDetailOut(CallOut):
    description: str
    objectives: str
    territory: str
    requirements: str
    non_ets_partners: bool
    clarification_deadline: datetime | None
    min_score: Decimal | None
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(obj):
        return list(obj.criteria.all())


# The lengths of the columns (trama.procedures.models); at most MAX_CRITERIA criteria.
MAX_CRITERIA = 50


class CriterionIn(InputSchema):
    title: Text(200)
    description: Text(LONG_TEXT) = ""
    max_points: Points


class CallIn(InputSchema):
    kind: Literal["CO_DESIGN", "CO_PROGRAMMING"] = "CO_DESIGN"
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
    data = payload.dict()
    data["min_score"] = bounded(min_score=(payload.min_score, POINTS))["min_score"]
    criteria = data.pop("criteria")
    for criterion in criteria:  # refusals name the field `criteria`, as the service's do
        criterion["max_points"] = bounded(criteria=(criterion["max_points"], POINTS))["criteria"]
    kind = data.pop("kind")
    data["deadline"] = _aware(data["deadline"])
    data["clarification_deadline"] = _aware(data["clarification_deadline"])
    call = services.draft_call(
        by=request.user, program=program, kind=kind, criteria=criteria, **data
    )
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
    lead = Organization.objects.filter(slug=payload.lead).first()
    if lead is None:
        message = _("No such organisation.")
        raise ApiError(
            400,
            "unknown_organization",
            message,
            {"lead": [{"code": "unknown_organization", "message": message}]},
        )
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
