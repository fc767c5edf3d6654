"""Calls and proposals: list open calls, write and publish a call, submit a proposal, read
the ranking. Every act calls the procedures' services and access helpers; the sealing rule
holds here as on the pages (a proposal is readable only through its partners until the
deadline, and this API returns no proposal content at all)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from trama.lib.numbers import AMOUNT, POINTS
from trama.organizations.models import Organization
from trama.procedures import services
from trama.procedures.access import (
    TABLE_STATES,
    ProcedureAccess,
    access_procedure,
    access_proposal,
)
from trama.procedures.models import Procedure, Proposal, Receipt
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


class AdmissionIn(InputSchema):
    admit: bool
    reason: Text(LONG_TEXT) = Field(description="The applicant reads it.")


class AdmissionOut(ProposalOut):
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
    response={200: AdmissionOut, **errors(400, 401, 403, 404, 422)},
    summary="Admit or exclude a proposal",
    **WRITE,
)
def decide_admission(request, proposal_id: Id, payload: AdmissionIn):
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
