"""Events of the community: organising them, registering with a waiting list, materials and
attendance afterwards, following calls and bodies, calendar feeds, reminders.

Each act checks first, then changes, then appends to the event's audit chain; e-mails are
queued on commit. Registrations to one session queue on the session's row lock, so two
people asking for the last place get one place and one turn on the waiting list.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.organizations.models import Organization
from trama.procedures.models import Procedure

from .access import can_organize, is_invited
from .mail import queue_session_email
from .models import CalendarFeed, Event, Follow, Invitation, Material, Registration, Session

LIMITS = {"title": 200, "description": 5000, "place": 300, "online_url": 500}
MAX_UPLOAD = 20 * 1024 * 1024


class NotInvited(PermissionDenied):
    """A restricted session, and the person is not among its invited."""

    code = "not_invited"


def _refuse(field: str | None, message, code: str) -> ValidationError:
    if field is None:
        return ValidationError(message, code=code)
    return ValidationError({field: ValidationError(message, code=code)})


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def _text(field: str, value, *, required=False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise _refuse(field, _("The text can't contain NUL characters."), "invalid_text")
    if required and not value:
        raise _refuse(field, _("This field is required."), "required")
    if len(value) > LIMITS[field]:
        raise _refuse(
            field, _("At most %(limit)d characters.") % {"limit": LIMITS[field]}, "too_long"
        )
    return value


def _audit(event: Event, action: str, *, by=None, target=None, **data):
    return record_event(chain_for(event), action, by=by, target=target, data=data)


def check_organizer(user, event_or_organizer) -> None:
    organizer = getattr(event_or_organizer, "organizer", event_or_organizer)
    if not can_organize(user, organizer):
        raise PermissionDenied(
            _(
                "Only the community's moderators, and the organising body's members who "
                "belong to the community, organise this event."
            )
        )


# --- organising -------------------------------------------------------------------------------


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at is None or ends_at is None:
        raise _refuse("starts_at", _("Give the start and the end."), "required")
    if ends_at <= starts_at:
        raise _refuse("ends_at", _("The end must come after the start."), "ends_before_start")


def _sync_dates(event: Event) -> None:
    span = event.sessions.aggregate(first=Min("starts_at"), last=Max("ends_at"))
    if span["first"]:
        event.starts_at, event.ends_at = span["first"], span["last"]
        event.save(update_fields=["starts_at", "ends_at"])


def create_event(
    *, by, title, description="", place="", online=False, organizer=None, sessions=()
) -> Event:
    """Announce an event with its sessions (at least one)."""
    check_organizer(by, organizer)
    if organizer is not None and not isinstance(organizer, Organization):
        raise _refuse("organizer", _("Choose an organisation on Trama."), "invalid_choice")
    fields = {
        "title": _text("title", title, required=True),
        "description": _text("description", description),
        "place": _text("place", place),
    }
    if not fields["place"] and not online:
        raise _refuse(
            "place", _("Say where the event takes place, or that it is online."), "required"
        )
    sessions = list(sessions)
    if not sessions:
        raise _refuse("sessions", _("An event has at least one session."), "required")
    cleaned = [_clean_session(s) for s in sessions]
    with transaction.atomic():
        event = Event.objects.create(
            **fields,
            online=bool(online),
            organizer=organizer,
            created_by=by,
            starts_at=min(s["starts_at"] for s in cleaned),
            ends_at=max(s["ends_at"] for s in cleaned),
        )
        for s in cleaned:
            Session.objects.create(event=event, **s)
        _audit(event, "event.created", by=by, target=event, sessions=len(cleaned))
    return event


def _clean_session(values: dict) -> dict:
    _check_times(values.get("starts_at"), values.get("ends_at"))
    access = values.get("access", Session.Access.OPEN)
    if access not in Session.Access.values:
        raise _refuse("access", _("Choose open or restricted."), "invalid_choice")
    capacity = values.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1):
        raise _refuse("capacity", _("The places are a whole number, at least 1."), "invalid")
    return {
        "title": _text("title", values.get("title"), required=True),
        "description": _text("description", values.get("description")),
        "place": _text("place", values.get("place")),
        "online_url": _text("online_url", values.get("online_url")),
        "starts_at": values["starts_at"],
        "ends_at": values["ends_at"],
        "access": access,
        "capacity": capacity,
    }


def add_session(event: Event, *, by, **values) -> Session:
    """One more session of an event."""
    check_organizer(by, event)
    cleaned = _clean_session(values)
    with transaction.atomic():
        session = Session.objects.create(event=event, **cleaned)
        _sync_dates(event)
        _audit(event, "session.added", by=by, target=session, access=session.access)
    return session


def cancel_event(event: Event, *, by, reason: str) -> Event:
    """Call an event off; everyone registered or waiting is told by e-mail."""
    check_organizer(by, event)
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason", _("Say why the event is cancelled."), "required")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.cancelled_at:
            raise _refuse(None, _("This event is already cancelled."), "already_cancelled")
        event.cancelled_at = timezone.now()
        event.save(update_fields=["cancelled_at"])
        told = list(
            Registration.objects.active()
            .filter(session__event=event)
            .select_related("user", "session__event")
        )
        for registration in told:
            registration.cancel_reason = reason
            queue_session_email(registration, "event_cancelled", with_calendar=False)
        Registration.objects.active().filter(session__event=event).update(
            status=Registration.Status.CANCELLED, cancelled_at=event.cancelled_at
        )
        _audit(event, "event.cancelled", by=by, target=event, told=len(told))
    return event


def invite(session: Session, *, by, member=None, organization=None) -> Invitation:
    """Invite a community member, or every member of a body, to a restricted session."""
    check_organizer(by, session.event)
    if not session.is_restricted:
        raise _refuse(None, _("An open session needs no invitation."), "session_open")
    if (member is None) == (organization is None):
        raise _refuse(None, _("Invite a member or an organisation."), "required")
    if member is not None and not member.is_active:
        raise _refuse("member", _("This person has left the community."), "not_a_member")
    with transaction.atomic():
        invitation, created = Invitation.objects.get_or_create(
            session=session, member=member, organization=organization, defaults={"invited_by": by}
        )
        if created:
            _audit(
                session.event,
                "session.invited",
                by=by,
                target=session,
                member=member.pk if member else None,
                organization=organization.pk if organization else None,
            )
    return invitation


def uninvite(invitation: Invitation, *, by) -> None:
    """Withdraw an invitation (registrations already made stay)."""
    session = invitation.session
    check_organizer(by, session.event)
    with transaction.atomic():
        invitation.delete()
        _audit(session.event, "session.uninvited", by=by, target=session)


# --- registrations ----------------------------------------------------------------------------


def _locked_session(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",)).select_related("event").get(pk=session.pk)
    )


def check_can_register(session: Session, user, now=None) -> None:
    if not _signed_in(user):
        raise PermissionDenied(_("Sign in to register."))
    if session.event.cancelled_at:
        raise _refuse(None, _("This event has been cancelled."), "event_cancelled")
    if session.has_started(now):
        raise _refuse(
            None,
            _("This session has already started: registrations are closed."),
            "session_started",
        )
    if not is_invited(user, session):
        raise NotInvited(
            _(
                "This session is restricted to the members and bodies its organisers "
                "invited: ask them for an invitation."
            )
        )


def register(session: Session, *, by) -> Registration:
    """Take a place in the session, or a turn on its waiting list when it is full.

    Asking again while registered or waiting changes nothing (a double click acts once).
    """
    now = timezone.now()
    with transaction.atomic():
        session = _locked_session(session)
        check_can_register(session, by, now)
        registration = (
            Registration.objects.select_for_update().filter(session=session, user=by).first()
        )
        if registration is not None and registration.status != Registration.Status.CANCELLED:
            return registration
        taken = Registration.objects.confirmed().filter(session=session).count()
        full = session.capacity is not None and taken >= session.capacity
        status = Registration.Status.WAITING if full else Registration.Status.CONFIRMED
        if registration is None:
            registration = Registration(session=session, user=by)
        registration.status = status
        registration.queued_at = now
        registration.confirmed_at = None if full else now
        registration.cancelled_at = None
        registration.removed_by = None
        registration.reminded_at = None
        registration.save()
        registration.session = session
        _audit(session.event, "registration." + status.lower(), by=by, target=registration)
        if full:
            queue_session_email(registration, "waiting", with_calendar=False)
        else:
            queue_session_email(registration, "confirmed", with_calendar=True)
    return registration


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None for who is not waiting."""
    if registration.status != Registration.Status.WAITING:
        return None
    ahead = (
        Registration.objects.waiting()
        .filter(session_id=registration.session_id)
        .filter(queued_at__lte=registration.queued_at)
        .exclude(queued_at=registration.queued_at, pk__gt=registration.pk)
        .count()
    )
    return ahead


def _promote(session: Session, now) -> list[Registration]:
    """Fill the places freed with the first on the waiting list; each is told by e-mail."""
    promoted = []
    if session.capacity is None:
        free = None
    else:
        free = session.capacity - Registration.objects.confirmed().filter(session=session).count()
        if free <= 0:
            return promoted
    waiting = Registration.objects.waiting().filter(session=session).select_related("user")
    for registration in waiting[:free] if free is not None else waiting:
        registration.status = Registration.Status.CONFIRMED
        registration.confirmed_at = now
        registration.save(update_fields=["status", "confirmed_at"])
        registration.session = session
        _audit(session.event, "registration.promoted", target=registration)
        queue_session_email(registration, "promoted", with_calendar=True)
        promoted.append(registration)
    return promoted


def _cancel(registration: Registration, *, by, removed: bool) -> Registration:
    now = timezone.now()
    with transaction.atomic():
        session = _locked_session(registration.session)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        was_confirmed = registration.status == Registration.Status.CONFIRMED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.removed_by = by if removed else None
        registration.save(update_fields=["status", "cancelled_at", "removed_by"])
        _audit(
            session.event,
            "registration.removed" if removed else "registration.cancelled",
            by=by,
            target=registration,
        )
        if was_confirmed and not session.has_started(now):
            _promote(session, now)
    return registration


def cancel_registration(session: Session, *, by) -> Registration:
    """Give up one's place (or turn); the first waiting takes the place freed."""
    if not _signed_in(by):
        raise PermissionDenied(_("Sign in to cancel a registration."))
    registration = Registration.objects.filter(session=session, user=by).first()
    if registration is None or registration.status == Registration.Status.CANCELLED:
        if registration is not None:
            return registration
        raise _refuse(None, _("You are not registered to this session."), "not_registered")
    return _cancel(registration, by=by, removed=False)


def remove_registration(registration: Registration, *, by) -> Registration:
    """The organisers take a person off a session; the first waiting takes the place."""
    check_organizer(by, registration.session.event)
    return _cancel(registration, by=by, removed=True)


def record_attendance(session: Session, *, by, present_user_ids) -> int:
    """Who came: every registered person is marked present or absent."""
    check_organizer(by, session.event)
    if not session.has_started():
        raise _refuse(
            None, _("Attendance is recorded once the session has started."), "session_not_started"
        )
    present = {int(pk) for pk in present_user_ids}
    with transaction.atomic():
        confirmed = Registration.objects.confirmed().filter(session=session)
        confirmed.filter(user_id__in=present).update(attended=True)
        confirmed.exclude(user_id__in=present).update(attended=False)
        count = confirmed.filter(attended=True).count()
        _audit(session.event, "session.attendance", by=by, target=session, present=count)
    return count


def add_material(
    session: Session, *, by, title: str, upload, kind=Material.Kind.MATERIAL
) -> Material:
    """A file of the session (slides, a paper) or its minutes, for who may see the session."""
    check_organizer(by, session.event)
    title = _text("title", title, required=True)
    if kind not in Material.Kind.values:
        raise _refuse("kind", _("Choose material or minutes."), "invalid_choice")
    if upload is None:
        raise _refuse("file", _("Choose a file."), "required")
    if upload.size > MAX_UPLOAD:
        raise _refuse("file", _("The file is larger than 20 MB."), "too_large")
    with transaction.atomic():
        material = Material.objects.create(
            session=session, kind=kind, title=title, file=upload, uploaded_by=by
        )
        _audit(session.event, "session.material_added", by=by, target=material, kind=kind)
    return material


# --- following and calendars -----------------------------------------------------------------


def follow(
    *, by, procedure: Procedure | None = None, organization: Organization | None = None
) -> Follow:
    """Follow a public call or an organisation (again: nothing changes)."""
    if not _signed_in(by):
        raise PermissionDenied(_("Sign in to follow."))
    if (procedure is None) == (organization is None):
        raise _refuse(None, _("Follow a call or an organisation."), "required")
    if procedure is not None and procedure.published_at is None:
        raise _refuse(None, _("Only published calls can be followed."), "not_published")
    row, _created = Follow.objects.get_or_create(
        user=by, procedure=procedure, organization=organization
    )
    return row


def unfollow(*, by, procedure=None, organization=None) -> int:
    """Stop following a call or an organisation."""
    deleted, _counts = Follow.objects.filter(
        user=by, procedure=procedure, organization=organization
    ).delete()
    return deleted


def calendar_feed(user) -> CalendarFeed:
    """The person's calendar address, made the first time it is asked for."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def regenerate_feed(*, by) -> CalendarFeed:
    """A new secret address: the old one stops working at once."""
    feed = calendar_feed(by)
    feed.token = CalendarFeed._meta.get_field("token").default()
    feed.save(update_fields=["token", "created_at"])
    return feed


def feed_contents(user, now=None):
    """What a person's calendar holds: sessions they registered for from a month ago on,
    and the deadlines of the calls they follow (directly or through a body they follow)."""
    now = now or timezone.now()
    since = now - timedelta(days=30)
    sessions = list(
        Session.objects.filter(
            registrations__user=user,
            registrations__status=Registration.Status.CONFIRMED,
            ends_at__gte=since,
            event__cancelled_at__isnull=True,
        ).select_related("event")
    )
    follows = Follow.objects.filter(user=user)
    procedures = list(
        Procedure.objects.public()
        .filter(deadline__isnull=False, deadline__gte=since)
        .filter(pk__in=follows.filter(procedure__isnull=False).values("procedure_id"))
        .union(
            Procedure.objects.public().filter(
                deadline__isnull=False,
                deadline__gte=since,
                owner__in=follows.filter(organization__isnull=False).values("organization_id"),
            )
        )
    )
    return sessions, procedures


# --- reminders ----------------------------------------------------------------------------------


def send_reminders(now=None) -> int:
    """Remind each registered person of a session starting by the end of tomorrow, once.

    Each row is claimed (reminded_at) in the transaction that queues its e-mail: two runs at
    once, or a second run the same day, never remind anyone twice.
    """
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    until = timezone.make_aware(datetime.combine(tomorrow + timedelta(days=1), datetime.min.time()))
    sent = 0
    with transaction.atomic():
        due = list(
            Registration.objects.confirmed()
            .filter(
                reminded_at__isnull=True,
                session__starts_at__gt=now,
                session__starts_at__lt=until,
                session__event__cancelled_at__isnull=True,
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "session__event")
        )
        if due:
            Registration.objects.filter(pk__in=[r.pk for r in due]).update(reminded_at=now)
        for registration in due:
            queue_session_email(registration, "reminder", with_calendar=False)
            sent += 1
    return sent
