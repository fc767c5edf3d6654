"""Acts on a procedure's call: write, publish, clarify, extend, cancel, close."""

from datetime import timedelta
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.ledger.models import Kind as LedgerKind
from trama.ledger.models import LedgerEntry
from trama.ledger.services import reverse_entry
from trama.lib.files import sha256_of
from trama.lib.numbers import AMOUNT, POINTS, clean_number
from trama.notifications.models import Kind
from trama.notifications.services import notify
from trama.organizations.access import check_acts_for_public_body

from ..models import (
    CallAttachment,
    CallBudget,
    Clarification,
    Criterion,
    Notice,
    Procedure,
    Proposal,
)
from ..workflow import OFFICER, RUP, check_act, check_transition
from .base import check_actor, event, locked
from .notify import notify_admins, proposal_path
from .uploads import check_upload

State = Procedure.State

CALL_FIELDS = [
    "title",
    "description",
    "objectives",
    "territory",
    "duration_months",
    "requirements",
    "non_ets_partners",
    "commission_checks_admission",
    "min_score",
    "max_selected",
    "tie_rule",
    "deadline",
    "clarification_deadline",
]


def create_call(*, by, program, kind=Procedure.Kind.CO_DESIGN, parent=None, **fields):
    """Open a draft procedure run on Trama inside a program; the creator is its RUP."""
    check_acts_for_public_body(by, program.owner)
    if kind not in (Procedure.Kind.CO_DESIGN, Procedure.Kind.CO_PROGRAMMING):
        raise ValidationError({"kind": _("Choose co-programming or co-design.")})
    procedure = Procedure(
        program=program,
        owner=program.owner,
        kind=kind,
        origin=Procedure.Origin.PLATFORM,
        state=State.DRAFT,
        rup=by,
        parent=parent,
    )
    if parent is not None:
        # A co-design started by a co-programming inherits its context.
        procedure.description = parent.final_document or parent.description
        procedure.objectives = parent.objectives
        procedure.territory = parent.territory
    _apply_call_fields(procedure, fields)
    with transaction.atomic():
        procedure.save()
        event(procedure, "procedure.created", by=by, target=procedure, kind=kind)
    return procedure


def _apply_call_fields(procedure: Procedure, fields: dict) -> None:
    unknown = set(fields) - set(CALL_FIELDS)
    if unknown:
        raise TypeError(f"unknown call fields: {', '.join(sorted(unknown))}")
    errors = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if name == "min_score" and value not in (None, ""):
            try:
                value = clean_number(value, POINTS, "min_score")
            except ValidationError as exc:
                errors.update(exc.error_dict)
                continue
        setattr(procedure, name, value)
    if not procedure.title:
        errors["title"] = _("Give the procedure a title.")
    if (
        procedure.deadline
        and procedure.clarification_deadline
        and procedure.clarification_deadline > procedure.deadline
    ):
        errors["clarification_deadline"] = _(
            "Questions must close before the deadline for proposals."
        )
    if errors:
        raise ValidationError(errors)


def update_call(procedure: Procedure, *, by, **fields) -> Procedure:
    """Change a draft call; once published, only an extension or a cancellation is possible."""
    with transaction.atomic():
        procedure = locked(procedure)
        check_actor(procedure, by, OFFICER)
        if procedure.state != State.DRAFT:
            raise ValidationError(
                _("A published call cannot be changed; extend or cancel it."), code="not_draft"
            )
        _apply_call_fields(procedure, fields)
        procedure.save()
        event(procedure, "procedure.updated", by=by, target=procedure, fields=sorted(fields))
    return procedure


def set_criteria(procedure: Procedure, *, by, criteria: list[dict]) -> list[Criterion]:
    """Replace a draft call's evaluation criteria (title, description, max_points)."""
    with transaction.atomic():
        procedure = locked(procedure)
        check_actor(procedure, by, OFFICER)
        if procedure.state != State.DRAFT:
            raise ValidationError(_("The criteria of a published call cannot change."))
        rows = []
        for position, item in enumerate(criteria, 1):
            title = (item.get("title") or "").strip()
            if not title:
                raise ValidationError({"criteria": _("Every criterion needs a title.")})
            rows.append(
                Criterion(
                    procedure=procedure,
                    position=position,
                    title=title,
                    description=(item.get("description") or "").strip(),
                    max_points=clean_number(item.get("max_points"), POINTS, "criteria"),
                )
            )
        procedure.criteria.all().delete()
        Criterion.objects.bulk_create(rows)
        event(procedure, "procedure.criteria_set", by=by, target=procedure, count=len(rows))
    return rows


def set_budget(procedure: Procedure, *, by, budget: dict) -> None:
    """Replace a draft call's public budget: {year: amount}."""
    with transaction.atomic():
        procedure = locked(procedure)
        check_actor(procedure, by, OFFICER)
        if procedure.state != State.DRAFT:
            raise ValidationError(_("The budget of a published call cannot change."))
        rows = []
        for year, amount in sorted(budget.items()):
            if int(year) not in procedure.program.years:
                message = _("%(year)s is outside the program's years.") % {"year": year}
                raise ValidationError(
                    {"budget": ValidationError(message, code="year_outside_program")}
                )
            rows.append(
                CallBudget(
                    procedure=procedure,
                    year=int(year),
                    amount=clean_number(amount, AMOUNT, "budget"),
                )
            )
        procedure.budget.all().delete()
        CallBudget.objects.bulk_create(rows)
        event(procedure, "procedure.budget_set", by=by, target=procedure)


def draft_call(
    *, by, program, kind=Procedure.Kind.CO_DESIGN, criteria=(), budget=None, draft_key="", **fields
) -> Procedure:
    """Write a draft call in one go: its fields, evaluation criteria and budget by year.

    The page and the API both call this; a refusal of any part saves nothing. A form sends
    its `draft_key`: the same form sent again (a double click, a resubmission after going
    back) changes the draft it already made, as now typed, instead of making a second one.
    """
    draft_key = (draft_key or "").strip()
    if draft_key:
        earlier = _drafted_with(draft_key, by)
        if earlier is not None:
            return revise_call(earlier, by=by, criteria=criteria, budget=budget, **fields)
    try:
        with transaction.atomic():
            procedure = create_call(by=by, program=program, kind=kind, **fields)
            if draft_key:
                # Two requests racing past the lookup above meet the unique constraint.
                procedure.draft_key = draft_key
                procedure.save(update_fields=["draft_key"])
            if criteria:
                set_criteria(procedure, by=by, criteria=list(criteria))
            if budget:
                set_budget(procedure, by=by, budget=budget)
    except IntegrityError:
        earlier = _drafted_with(draft_key, by) if draft_key else None
        if earlier is None:
            raise
        return earlier
    return procedure


def _drafted_with(draft_key: str, by) -> Procedure | None:
    procedure = Procedure.objects.filter(draft_key=draft_key).first()
    if procedure is not None and procedure.rup_id != by.pk:
        raise ValidationError(_("This form was already sent by someone else: open it again."))
    return procedure


def revise_call(procedure: Procedure, *, by, criteria=(), budget=None, **fields) -> Procedure:
    """Change a draft call in one go, as it was written: fields, criteria, budget by year.

    A refusal of any part changes nothing; once published, a call no longer changes.
    """
    with transaction.atomic():
        procedure = update_call(procedure, by=by, **fields)
        set_criteria(procedure, by=by, criteria=list(criteria))
        set_budget(procedure, by=by, budget=budget or {})
    return procedure


def check_publishable(procedure: Procedure, now) -> None:
    """Refuse a call not ready to publish, each reason on the field a person corrects."""
    errors = {}
    if not procedure.description:
        errors["description"] = _("Describe the object of the call.")
    if procedure.deadline is None:
        errors["deadline"] = _("Set a deadline.")
    elif procedure.deadline <= now + timedelta(days=1):
        errors["deadline"] = _("The deadline must be at least one day after publication.")
    if procedure.kind == Procedure.Kind.CO_DESIGN and not procedure.criteria.exists():
        errors["criteria"] = _("Add at least one evaluation criterion.")
    if errors:
        raise ValidationError(errors)


def publish_call(procedure: Procedure, *, by) -> Procedure:
    """Publish the call: it becomes public and open to questions and proposals."""
    now = timezone.now()
    target = State.PUBLISHED if procedure.kind == Procedure.Kind.CO_DESIGN else State.OPEN
    with transaction.atomic():
        procedure = locked(procedure)
        who = check_transition(procedure, target)
        check_actor(procedure, by, who)
        check_publishable(procedure, now)
        procedure.state = target
        procedure.published_at = now
        procedure.opened_on = timezone.localdate(now)
        procedure.save(update_fields=["state", "published_at", "opened_on"])
        event(
            procedure,
            "procedure.published",
            by=by,
            target=procedure,
            public=True,
            deadline=procedure.deadline.isoformat(),
        )
    return procedure


def ask_clarification(procedure: Procedure, *, by, question: str, organization=None):
    """Ask a question on an open call; the answer goes to all, the asker stays hidden."""
    question = (question or "").strip()
    if not question:
        raise ValidationError(
            {"question": ValidationError(_("Write your question."), code="required")}
        )
    if not by.is_authenticated:
        raise PermissionDenied(_("Log in to ask a question."))
    with transaction.atomic():
        procedure = locked(procedure)
        if procedure.state not in (State.PUBLISHED, State.OPEN):
            raise ValidationError(_("This call is not open to questions."), code="call_not_open")
        deadline = procedure.clarification_deadline or procedure.deadline
        if deadline and timezone.now() > deadline:
            raise ValidationError(
                _("The deadline for questions has passed."), code="questions_closed"
            )
        clarification = Clarification.objects.create(
            procedure=procedure, question=question, asked_by=by, asked_for=organization
        )
        event(procedure, "clarification.asked", target=clarification)
        notify(
            [procedure.rup],
            Kind.QUESTION_ASKED,
            template="procedures/email/clarification_asked",
            context={"procedure": procedure, "clarification": clarification},
            path=procedure.get_absolute_url(),
        )
    return clarification


def answer_clarification(clarification: Clarification, *, by, answer: str) -> Clarification:
    """Publish the answer to a question; the asker is told by e-mail."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": ValidationError(_("Write the answer."), code="required")})
    with transaction.atomic():
        procedure = locked(clarification.procedure)
        check_actor(procedure, by, OFFICER)
        clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
        if clarification.answered_at:
            raise ValidationError(
                _("This question has already been answered."), code="already_answered"
            )
        clarification.answer = answer
        clarification.answered_by = by
        clarification.answered_at = timezone.now()
        clarification.save(update_fields=["answer", "answered_by", "answered_at"])
        event(procedure, "clarification.answered", by=by, target=clarification, public=True)
        notify(
            [clarification.asked_by],
            Kind.QUESTION_ANSWERED,
            template="procedures/email/clarification_answered",
            context={"procedure": procedure, "clarification": clarification},
            path=procedure.get_absolute_url(),
        )
    return clarification


def extend_deadline(procedure: Procedure, *, by, deadline, reason: str, protocol_number=""):
    """Move the deadline later, before it passes, with a public notice."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the deadline is extended."), code="required")}
        )
    now = timezone.now()
    with transaction.atomic():
        procedure = locked(procedure)
        check_actor(procedure, by, RUP)
        check_act(procedure, "extend", _("Only an open call's deadline can be extended."))
        if procedure.deadline_passed(now):
            raise ValidationError(
                _("The deadline has passed: it can no longer be extended."),
                code="deadline_passed",
            )
        if deadline <= procedure.deadline:
            message = _("The new deadline must be later than the old.")
            raise ValidationError({"deadline": ValidationError(message, code="not_later")})
        old = procedure.deadline
        procedure.deadline = deadline
        procedure.save(update_fields=["deadline"])
        Notice.objects.create(
            procedure=procedure,
            kind=Notice.Kind.EXTENSION,
            text=reason,
            protocol_number=protocol_number,
        )
        event(
            procedure,
            "procedure.deadline_extended",
            by=by,
            target=procedure,
            public=True,
            old=old.isoformat(),
            new=deadline.isoformat(),
        )
    return procedure


def cancel_procedure(procedure: Procedure, *, by, reason: str, protocol_number="") -> Procedure:
    """Cancel a procedure with a public reason; drafts of proposals stay with their authors.

    At the co-design table, the pledges recorded at the ranking are reversed.
    """
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the procedure is cancelled.")
        raise ValidationError({"reason": ValidationError(message, code="required")})
    with transaction.atomic():
        procedure = locked(procedure)
        who = check_transition(procedure, State.CANCELLED)
        check_actor(procedure, by, who)
        was_public = procedure.is_published
        at_table = procedure.state == State.TABLE
        procedure.state = State.CANCELLED
        procedure.cancel_reason = reason
        procedure.save(update_fields=["state", "cancel_reason"])
        if at_table:
            # The selected proposals' pledges will never be realised: they leave the figures.
            for entry in LedgerEntry.objects.filter(
                procedure=procedure, kind=LedgerKind.PLEDGE, reverses__isnull=True
            ).exclude(Exists(LedgerEntry.objects.filter(reverses=OuterRef("pk")))):
                reverse_entry(entry, by=by, reason=_("procedure cancelled"), check_permission=False)
        if was_public:
            Notice.objects.create(
                procedure=procedure,
                kind=Notice.Kind.CANCELLATION,
                text=reason,
                protocol_number=protocol_number,
            )
        event(procedure, "procedure.cancelled", by=by, target=procedure, public=was_public)
    return procedure


def close_if_due(procedure: Procedure, now=None) -> Procedure:
    """At the deadline a published call closes and its proposals are unsealed.

    Called by every act that happens after the deadline and by `procedure_housekeeping`;
    pages never call it (a GET never writes): they read `Procedure.observed()`.
    """
    now = now or timezone.now()
    if procedure.state != State.PUBLISHED or not procedure.deadline_passed(now):
        return procedure
    with transaction.atomic():
        procedure = locked(procedure)
        if procedure.state != State.PUBLISHED or not procedure.deadline_passed(now):
            return procedure
        check_transition(procedure, State.CLOSED)
        procedure.state = State.CLOSED
        procedure.closed_at = procedure.deadline
        procedure.closed_on = timezone.localdate(procedure.deadline)
        procedure.save(update_fields=["state", "closed_at", "closed_on"])
        received = procedure.proposals.received().count()
        event(procedure, "procedure.closed", target=procedure, public=True, received=received)
    return procedure


def close_due_procedures(now=None) -> int:
    """Close every call whose deadline has passed (the worker runs this periodically)."""
    now = now or timezone.now()
    due = Procedure.objects.filter(state=State.PUBLISHED, deadline__lt=now)
    return sum(1 for procedure in due if close_if_due(procedure, now).state == State.CLOSED)


REMINDER_BEFORE = timedelta(hours=48)


def send_deadline_reminders(now=None) -> int:
    """Tell the lead admins of drafts not yet submitted that the deadline is near, once."""
    now = now or timezone.now()
    drafts = Proposal.objects.filter(
        state=Proposal.State.DRAFT,
        reminded_at__isnull=True,
        procedure__state=State.PUBLISHED,
        procedure__deadline__gt=now,
        procedure__deadline__lte=now + REMINDER_BEFORE,
    ).select_related("procedure", "lead")
    sent = 0
    for proposal in drafts:
        with transaction.atomic():
            if not Proposal.objects.filter(pk=proposal.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue  # another run got there first
            notify_admins(
                proposal.lead,
                Kind.DEADLINE_NEAR,
                template="procedures/email/deadline_near",
                context={"procedure": proposal.procedure, "proposal": proposal},
                path=proposal_path(proposal),
                about=proposal,
            )
            sent += 1
    return sent


def attach_call_document(procedure: Procedure, *, by, upload, title: str):
    """An officer attaches a document to the call (the notice, forms, annexes)."""
    title = (title or "").strip() or PurePath(upload.name or "").name
    check_upload(upload)
    with transaction.atomic():
        procedure = locked(procedure)
        check_actor(procedure, by, OFFICER)
        if procedure.state in (State.CANCELLED, State.COMPLETED):
            raise ValidationError(
                _("This procedure no longer takes documents."), code="procedure_closed"
            )
        name = PurePath(upload.name).name
        attachment = CallAttachment(
            procedure=procedure,
            title=title[:200],
            name=name[:200],
            size=upload.size,
            sha256=sha256_of(upload),
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        event(
            procedure,
            "procedure.document_attached",
            by=by,
            target=attachment,
            public=procedure.is_published,
            sha256=attachment.sha256,
        )
    return attachment
