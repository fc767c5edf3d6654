"""Co-programming: interest, admitted participants, thematic tables, contributions, the
final document, and the co-design procedures it starts."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.organizations.access import check_member, is_admin
from trama.organizations.models import Organization

from ..models import Contribution, Meeting, Notice, Participation, Procedure
from ..workflow import RUP, check_act, check_transition
from .base import check_actor, event, locked
from .calls import create_call

State = Procedure.State
PState = Participation.State


def _check_coprogramming(procedure: Procedure) -> None:
    if procedure.kind != Procedure.Kind.CO_PROGRAMMING:
        raise ValidationError(
            _("This is not a co-programming procedure."), code="not_coprogramming"
        )


def express_interest(procedure: Procedure, *, by, organization: Organization, motivation=""):
    """A body's administrator expresses interest while the call is open."""
    _check_coprogramming(procedure)
    if not is_admin(by, organization.pk):
        raise PermissionDenied(_("Only the body's administrators can express its interest."))
    if organization.kind == Organization.Kind.PUBLIC_BODY and not procedure.non_ets_partners:
        raise ValidationError(
            _("This call is open to Third-Sector bodies."), code="third_sector_only"
        )
    with transaction.atomic():
        procedure = locked(procedure)
        if procedure.state != State.OPEN or procedure.deadline_passed():
            raise ValidationError(
                _("Interest can be expressed only while the call is open."), code="call_not_open"
            )
        try:
            with transaction.atomic():
                participation = Participation.objects.create(
                    procedure=procedure,
                    organization=organization,
                    motivation=(motivation or "").strip(),
                    expressed_by=by,
                )
        except IntegrityError:
            raise ValidationError(
                _("%(name)s has already expressed interest.") % {"name": organization.name},
                code="already_interested",
            ) from None
        event(procedure, "coprogramming.interest", by=by, target=participation)
    return participation


def admit_participants(procedure: Procedure, *, by, decisions: dict, protocol_number=""):
    """After the deadline the RUP admits or not each body ({participation id: (admit, reason)})
    and publishes the list."""
    with transaction.atomic():
        procedure = locked(procedure)
        _check_coprogramming(procedure)
        if not procedure.deadline_passed():
            raise ValidationError(
                _("The list of participants comes after the deadline."),
                code="deadline_not_passed",
            )
        who = check_transition(procedure, State.PARTICIPANTS_ADMITTED)
        check_actor(procedure, by, who)
        participations = {p.pk: p for p in procedure.participations.select_for_update()}
        if set(decisions) != set(participations):
            raise ValidationError(
                _("Decide on every body that expressed interest."), code="undecided"
            )
        admitted = []
        for pk, (admit, reason) in decisions.items():
            participation = participations[pk]
            if not admit and not (reason or "").strip():
                raise ValidationError(
                    _("Give the reason for not admitting %(name)s.")
                    % {"name": participation.organization.name},
                    code="reason_required",
                )
            participation.state = PState.ADMITTED if admit else PState.NOT_ADMITTED
            participation.reason = (reason or "").strip()
            participation.save(update_fields=["state", "reason"])
            if admit:
                admitted.append(participation.organization)
        procedure.participants.add(*admitted)
        procedure.state = State.PARTICIPANTS_ADMITTED
        procedure.closed_at = procedure.closed_at or procedure.deadline
        procedure.save(update_fields=["state", "closed_at"])
        names = ", ".join(sorted(o.name for o in admitted)) or "—"
        Notice.objects.create(
            procedure=procedure,
            kind=Notice.Kind.PARTICIPANTS,
            text=_("Admitted participants: %(names)s.") % {"names": names},
            protocol_number=protocol_number,
        )
        event(
            procedure,
            "coprogramming.participants_admitted",
            by=by,
            target=procedure,
            public=True,
            admitted=[o.pk for o in admitted],
        )
    return admitted


def add_meeting(procedure: Procedure, *, by, title, held_at, agenda, attendees=()):
    """The RUP schedules a thematic table; the first one starts the working phase."""
    title, agenda = (title or "").strip(), (agenda or "").strip()
    if not title or not agenda:
        raise ValidationError(_("A thematic table needs a theme and an agenda."), code="required")
    with transaction.atomic():
        procedure = locked(procedure)
        _check_coprogramming(procedure)
        if procedure.state == State.PARTICIPANTS_ADMITTED:
            who = check_transition(procedure, State.WORKING)
            check_actor(procedure, by, who)
            procedure.state = State.WORKING
            procedure.save(update_fields=["state"])
            event(procedure, "coprogramming.working", by=by, target=procedure, public=True)
        else:
            check_act(
                procedure,
                "schedule_meeting",
                _("Thematic tables follow the admission of participants."),
            )
            check_actor(procedure, by, RUP)
        meeting = Meeting.objects.create(
            procedure=procedure, title=title, held_at=held_at, agenda=agenda
        )
        meeting.attendees.set(attendees)
        event(procedure, "coprogramming.meeting", by=by, target=meeting, public=True)
    return meeting


def record_minutes(meeting: Meeting, *, by, minutes: str, attendees=()) -> Meeting:
    """The minutes of a held table, with the bodies that attended."""
    if not (minutes or "").strip():
        raise ValidationError(
            {"minutes": ValidationError(_("Write the minutes."), code="required")}
        )
    with transaction.atomic():
        procedure = locked(meeting.procedure)
        # A co-design table's minutes go through services.table (attendance, approvals).
        _check_coprogramming(procedure)
        check_actor(procedure, by, RUP)
        check_act(
            procedure, "record_minutes", _("Minutes are recorded while the tables are working.")
        )
        meeting.minutes = minutes.strip()
        meeting.save(update_fields=["minutes"])
        meeting.attendees.set(attendees)
        event(procedure, "coprogramming.minutes", by=by, target=meeting, public=True)
    return meeting


def add_contribution(procedure: Procedure, *, by, organization, kind, text) -> Contribution:
    """An admitted participant adds a need, a resource or a proposal while tables work."""
    if kind not in Contribution.Kind.values:
        raise ValidationError({"kind": _("Choose need, resource or proposal.")})
    if not (text or "").strip():
        raise ValidationError(
            {"text": ValidationError(_("Write the contribution."), code="required")}
        )
    check_member(by, organization)
    with transaction.atomic():
        procedure = locked(procedure)
        check_act(procedure, "contribute", _("Contributions are added while the tables work."))
        if not procedure.participations.filter(
            organization=organization, state=PState.ADMITTED
        ).exists():
            raise PermissionDenied(_("Only admitted participants contribute."))
        contribution = Contribution.objects.create(
            procedure=procedure,
            organization=organization,
            kind=kind,
            text=text.strip(),
            created_by=by,
        )
        event(procedure, "coprogramming.contribution", by=by, target=contribution, public=True)
    return contribution


def conclude_coprogramming(procedure: Procedure, *, by, final_document: str) -> Procedure:
    """The RUP approves the final document; the co-programming is concluded."""
    if not (final_document or "").strip():
        message = _("Write the final document.")
        raise ValidationError({"final_document": ValidationError(message, code="required")})
    with transaction.atomic():
        procedure = locked(procedure)
        who = check_transition(procedure, State.CONCLUDED)
        check_actor(procedure, by, who)
        procedure.state = State.CONCLUDED
        procedure.final_document = final_document.strip()
        procedure.closed_on = timezone.localdate()
        procedure.save(update_fields=["state", "final_document", "closed_on"])
        event(procedure, "coprogramming.concluded", by=by, target=procedure, public=True)
    return procedure


def start_codesign(procedure: Procedure, *, by, title: str) -> Procedure:
    """A concluded co-programming starts a co-design draft that inherits its context."""
    check_act(procedure, "start_codesign", _("Only a concluded co-programming starts a co-design."))
    return create_call(
        by=by,
        program=procedure.program,
        kind=Procedure.Kind.CO_DESIGN,
        parent=procedure,
        title=title,
    )
