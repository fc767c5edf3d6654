"""After the deadline: commission, declarations, admission, documents, scores, ranking."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trama.ledger.services import record_entry
from trama.lib.numbers import POINTS, clean_number, format_number
from trama.notifications.models import Kind
from trama.notifications.services import notify

from ..models import (
    CommissionMember,
    Declaration,
    DocumentRequest,
    Notice,
    Procedure,
    Proposal,
    Receipt,
    Score,
)
from ..workflow import OFFICER, RUP, check_act, check_transition
from .base import check_actor, event, locked
from .calls import close_if_due
from .notify import notify_admins, proposal_path

State = Procedure.State
PState = Proposal.State


def _received(procedure: Procedure):
    return procedure.proposals.received().select_related("lead")


def appoint_evaluator(procedure: Procedure, *, by, user, is_chair=False) -> CommissionMember:
    """The RUP appoints a commission member after the deadline; the member is told by e-mail."""
    procedure = close_if_due(procedure)
    with transaction.atomic():
        procedure = locked(procedure)
        check_actor(procedure, by, RUP)
        check_act(procedure, "appoint", _("The commission is appointed after the deadline."))
        try:
            with transaction.atomic():
                member = CommissionMember.objects.create(
                    procedure=procedure, user=user, is_chair=is_chair, appointed_by=by
                )
        except IntegrityError:
            raise ValidationError(
                _("This person is already on the commission."), code="already_appointed"
            ) from None
        event(procedure, "commission.appointed", by=by, target=member, public=True)
        notify(
            [user],
            Kind.EVALUATOR_APPOINTED,
            template="procedures/email/evaluator_appointed",
            context={"procedure": procedure},
            path=reverse("procedures:desk", args=[procedure.pk]),
        )
    return member


def declare_interests(procedure: Procedure, *, by, has_conflict: bool, note="") -> Declaration:
    """The RUP or an evaluator declares on conflicts with the bodies listed, before any reading."""
    procedure = close_if_due(procedure)
    is_member = CommissionMember.objects.filter(procedure=procedure, user=by).exists()
    if not is_member and procedure.rup_id != by.pk:
        raise PermissionDenied(_("Only the RUP and the commission make this declaration."))
    if procedure.closed_at is None:
        raise ValidationError(_("The declaration is made after the deadline."), code="not_closed")
    bodies = sorted(
        {
            f"{partner.organization.name} ({partner.organization.tax_code or '-'})"
            for proposal in _received(procedure).prefetch_related("partners__organization")
            for partner in proposal.partners.all()
        }
    )
    try:
        with transaction.atomic():
            declaration = Declaration.objects.create(
                procedure=procedure, user=by, has_conflict=has_conflict, bodies=bodies, note=note
            )
            event(
                procedure,
                "commission.declared",
                by=by,
                target=declaration,
                has_conflict=has_conflict,
                bodies=len(bodies),
            )
    except IntegrityError:
        raise ValidationError(
            _("You have already made this declaration."), code="already_declared"
        ) from None
    return declaration


def _check_clear(procedure: Procedure, user) -> None:
    declaration = Declaration.objects.filter(procedure=procedure, user=user).first()
    if declaration is None:
        raise PermissionDenied(_("Declare your interests before seeing the proposals."))
    if declaration.has_conflict:
        raise PermissionDenied(_("You declared a conflict of interest in this procedure."))


def start_evaluation(procedure: Procedure, *, by) -> Procedure:
    """The RUP opens the evaluation once the call has closed."""
    procedure = close_if_due(procedure)
    with transaction.atomic():
        procedure = locked(procedure)
        who = check_transition(procedure, State.EVALUATION)
        check_actor(procedure, by, who)
        if not procedure.commission.exists():
            raise ValidationError(_("Appoint the commission first."), code="no_commission")
        procedure.state = State.EVALUATION
        procedure.save(update_fields=["state"])
        event(procedure, "procedure.evaluation_started", by=by, target=procedure, public=True)
    return procedure


def _check_admission_actor(procedure: Procedure, by) -> None:
    if procedure.commission_checks_admission:
        if not CommissionMember.objects.filter(procedure=procedure, user=by).exists():
            raise PermissionDenied(_("In this call the commission checks admission."))
    elif procedure.rup_id != by.pk:
        raise PermissionDenied(_("Only the procedure manager (RUP) checks admission."))
    _check_clear(procedure, by)


def decide_admission(proposal: Proposal, *, by, admit: bool, reason: str) -> Proposal:
    """Admit or exclude a received proposal, with a reason the applicant will read."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give the reason for the decision."), code="required")}
        )
    with transaction.atomic():
        procedure = locked(proposal.procedure)
        if procedure.state != State.EVALUATION:
            raise ValidationError(
                _("Admission is checked during the evaluation."), code="not_evaluating"
            )
        _check_admission_actor(procedure, by)
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.state not in (PState.SUBMITTED, PState.ADMITTED, PState.EXCLUDED):
            raise ValidationError(
                _("This proposal is not awaiting admission."), code="not_awaiting_admission"
            )
        if proposal.scores.exists():
            raise ValidationError(
                _("Scoring has started: admission can no longer change."), code="scoring_started"
            )
        proposal.state = PState.ADMITTED if admit else PState.EXCLUDED
        proposal.decision_reason = reason
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["state", "decision_reason", "decided_at"])
        event(procedure, "proposal.admission", by=by, target=proposal, admitted=admit)
    return proposal


def request_documents(proposal: Proposal, *, by, text: str, deadline) -> DocumentRequest:
    """Soccorso istruttorio: ask for missing documents, with a deadline of its own."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(
            {"text": ValidationError(_("Say which documents are missing."), code="required")}
        )
    with transaction.atomic():
        procedure = locked(proposal.procedure)
        if procedure.state != State.EVALUATION:
            raise ValidationError(
                _("Documents are requested during the evaluation."), code="not_evaluating"
            )
        _check_admission_actor(procedure, by)
        proposal = Proposal.objects.select_for_update().select_related("lead").get(pk=proposal.pk)
        if proposal.state != PState.SUBMITTED:
            raise ValidationError(
                _("Documents are requested before deciding admission."), code="admission_decided"
            )
        if deadline <= timezone.now():
            raise ValidationError(
                {
                    "deadline": ValidationError(
                        _("The deadline must be in the future."), code="not_future"
                    )
                }
            )
        request = DocumentRequest.objects.create(
            proposal=proposal, text=text, deadline=deadline, requested_by=by
        )
        event(procedure, "proposal.documents_requested", by=by, target=request)
        notify_admins(
            proposal.lead,
            Kind.DOCUMENTS_REQUESTED,
            template="procedures/email/documents_requested",
            context={"procedure": procedure, "proposal": proposal, "request": request},
            path=proposal_path(proposal),
        )
    return request


def score_proposal(proposal: Proposal, *, by, criterion, points, rationale: str) -> Score:
    """An evaluator scores one criterion of an admitted proposal, up to its maximum."""
    rationale = (rationale or "").strip()
    points = clean_number(points, POINTS, "points")
    with transaction.atomic():
        procedure = locked(proposal.procedure)
        if not CommissionMember.objects.filter(procedure=procedure, user=by).exists():
            raise PermissionDenied(_("Only the commission scores proposals."))
        _check_clear(procedure, by)
        if procedure.state != State.EVALUATION:
            raise ValidationError(
                _("Scores are given during the evaluation."), code="not_evaluating"
            )
        proposal = Proposal.objects.get(pk=proposal.pk)
        if proposal.state != PState.ADMITTED:
            raise ValidationError(_("Only admitted proposals are scored."), code="not_admitted")
        if criterion.procedure_id != procedure.pk:
            raise ValidationError(_("This criterion belongs to another call."))
        if not Decimal("0") <= points <= criterion.max_points:
            raise ValidationError(
                {
                    "points": ValidationError(
                        _("Give between 0 and %(max)s points.")
                        % {"max": format_number(criterion.max_points, -1)},
                        code="too_large",
                    )
                }
            )
        if not rationale:
            raise ValidationError(
                {"rationale": ValidationError(_("Explain the score."), code="required")}
            )
        score, _created = Score.objects.update_or_create(
            proposal=proposal,
            criterion=criterion,
            evaluator=by,
            defaults={"points": points, "rationale": rationale},
        )
        event(procedure, "proposal.scored", by=by, target=score, criterion=criterion.pk)
    return score


def totals(procedure: Procedure) -> dict[int, Decimal]:
    """Each admitted proposal's score: the evaluators' mean per criterion, summed."""
    result: dict[int, Decimal] = {}
    rows = (
        Score.objects.filter(proposal__procedure=procedure, proposal__state=PState.ADMITTED)
        .values("proposal", "criterion")
        .annotate(mean=Avg("points"))
    )
    for row in rows:
        result[row["proposal"]] = result.get(row["proposal"], Decimal("0")) + Decimal(
            row["mean"]
        ).quantize(Decimal("0.01"))
    return result


def _ranked(procedure: Procedure) -> list[Proposal]:
    """The admitted proposals in ranking order, each given its score, rank and outcome in
    memory (nothing saved); refused until every admission is decided and every score given."""
    criteria = list(procedure.criteria.all())
    evaluators = list(procedure.commission.values_list("user_id", flat=True))
    admitted = list(
        procedure.proposals.filter(state=PState.ADMITTED).select_related("lead", "receipt")
    )
    if procedure.proposals.filter(state=PState.SUBMITTED).exists():
        raise ValidationError(
            _("Decide the admission of every proposal first."), code="admission_pending"
        )
    scored = set(
        Score.objects.filter(proposal__in=admitted).values_list(
            "proposal_id", "criterion_id", "evaluator_id"
        )
    )
    conflicted = set(
        Declaration.objects.filter(procedure=procedure, has_conflict=True).values_list(
            "user_id", flat=True
        )
    )
    for proposal in admitted:
        for criterion in criteria:
            for evaluator in evaluators:
                if evaluator in conflicted:
                    continue
                if (proposal.pk, criterion.pk, evaluator) not in scored:
                    raise ValidationError(
                        _("Not every evaluator has scored every criterion yet."),
                        code="scores_missing",
                    )
    scores = totals(procedure)
    for proposal in admitted:
        proposal.total_score = scores.get(proposal.pk, Decimal("0"))
    admitted.sort(key=lambda p: (-p.total_score, p.receipt.issued_at))
    threshold = procedure.min_score
    rank = 0
    previous = None
    selected_count = 0
    for position, proposal in enumerate(admitted, 1):
        shared = (
            procedure.tie_rule == Procedure.TieRule.SHARED_RANK
            and previous is not None
            and proposal.total_score == previous.total_score
        )
        rank = rank if shared else position
        proposal.rank = rank
        above = threshold is None or proposal.total_score >= threshold
        room = procedure.max_selected is None or (
            selected_count < procedure.max_selected
            or (shared and previous.state == PState.SELECTED)
        )
        proposal.state = PState.SELECTED if above and room else PState.NOT_SELECTED
        if proposal.state == PState.SELECTED:
            selected_count += 1
        previous = proposal
    return admitted


def check_ranking(procedure: Procedure, *, by) -> list[Proposal]:
    """The ranking as `approve_ranking` would publish it now, for its review (writes nothing)."""
    if procedure.state == State.RANKED:
        raise ValidationError(_("The ranking has already been published."), code="already_ranked")
    who = check_transition(procedure, State.RANKED)
    check_actor(procedure, by, who)
    _check_clear(procedure, by)
    return _ranked(procedure)


def approve_ranking(procedure: Procedure, *, by, protocol_number="") -> list[Proposal]:
    """The RUP approves and publishes the ranking; selected proposals' plans become pledges."""
    with transaction.atomic():
        # The row lock makes a second officer wait, then find the state already RANKED.
        procedure = locked(procedure)
        admitted = check_ranking(procedure, by=by)
        selected_count = sum(1 for p in admitted if p.state == PState.SELECTED)
        for proposal in admitted:
            proposal.save(update_fields=["total_score", "rank", "state"])
        now = timezone.now()
        procedure.state = State.RANKED
        procedure.ranked_at = now
        procedure.save(update_fields=["state", "ranked_at"])
        Notice.objects.create(
            procedure=procedure,
            kind=Notice.Kind.OUTCOME,
            text=_("Ranking approved: %(admitted)s, %(selected)s.")
            % {
                "admitted": ngettext(
                    "%(n)s proposal admitted", "%(n)s proposals admitted", len(admitted)
                )
                % {"n": len(admitted)},
                "selected": ngettext("%(n)s selected", "%(n)s selected", selected_count)
                % {"n": selected_count},
            },
            protocol_number=protocol_number,
        )
        # The sealed budget plans of the selected proposals become ledger pledges now.
        for proposal in admitted:
            if proposal.state != PState.SELECTED:
                continue
            for line in proposal.budget_lines.select_related("contributor", "funder"):
                record_entry(
                    by=by,
                    program=procedure.program,
                    contributor=line.contributor,
                    check_permission=False,
                    kind="PLEDGE",
                    source=line.source,
                    category=line.category,
                    year=line.year,
                    amount=line.amount,
                    description=line.description,
                    funder=line.funder,
                    procedure=procedure,
                )
        event(
            procedure,
            "procedure.ranked",
            by=by,
            target=procedure,
            public=True,
            ranking=[
                {"receipt": p.receipt.number, "rank": p.rank, "score": str(p.total_score)}
                for p in admitted
            ],
        )
        # Each lead body once, pointed at its proposal (scores and the commission's rationale).
        proposal_of = {p.lead_id: p for p in procedure.proposals.received().select_related("lead")}
        for proposal in proposal_of.values():
            notify_admins(
                proposal.lead,
                Kind.OUTCOME_PUBLISHED,
                template="procedures/email/outcome",
                context={"procedure": procedure, "proposal": proposal},
                path=proposal_path(proposal),
            )
    return admitted


def record_protocol_number(receipt, *, by, protocol_number: str):
    """The public body writes its own protocol number on a receipt, after the deadline."""
    protocol_number = (protocol_number or "").strip()
    if not protocol_number:
        raise ValidationError(
            {"protocol_number": ValidationError(_("Write the protocol number."), code="required")}
        )
    with transaction.atomic():
        procedure = locked(receipt.proposal.procedure)
        check_actor(procedure, by, OFFICER)
        if procedure.closed_at is None:
            raise ValidationError(
                _("Receipts are registered after the deadline."), code="not_closed"
            )
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.protocol_number:
            raise ValidationError(
                _("This receipt is already registered as %(number)s.")
                % {"number": receipt.protocol_number},
                code="already_registered",
            )
        receipt.protocol_number = protocol_number
        receipt.save(update_fields=["protocol_number"])
        event(
            procedure,
            "proposal.protocol_registered",
            by=by,
            target=receipt,
            receipt=receipt.number,
            protocol_number=protocol_number,
        )
    return receipt
