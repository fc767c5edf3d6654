"""Who may organise an event, who is invited to a restricted session, who sees its link
and its materials. Pages, the API and the services ask here."""

from django.http import Http404
from django.utils.translation import gettext as _

from trama.community.access import is_member, is_moderator, member_of
from trama.organizations.access import member_org_ids

from .models import Event, Invitation, Registration, Session


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def organizes(user):
    """`can_organize` for many events: a test of an organising body, reading the person's
    roles once (when first needed) whatever the number of events asked about."""
    if not _signed_in(user):
        return lambda organizer: False
    if is_moderator(user):
        return lambda organizer: True
    known = {}

    def test(organizer) -> bool:
        if organizer is None:
            return False
        if "orgs" not in known:
            known["orgs"] = member_org_ids(user) if is_member(user) else frozenset()
        return organizer.pk in known["orgs"]

    return test


def can_organize(user, organizer=None) -> bool:
    """Community moderators organise any event; a community member who belongs to the
    organising body organises that body's events."""
    return organizes(user)(organizer)


def invited_session_ids(user, sessions) -> set[int]:
    """The restricted sessions among `sessions` that `user` is invited to (in person or
    through one of their organisations), in one query."""
    if not _signed_in(user):
        return set()
    member = member_of(user)
    ids = [s.pk for s in sessions if s.is_restricted]
    if not ids:
        return set()
    qs = Invitation.objects.filter(session_id__in=ids)
    orgs = member_org_ids(user)
    cond = qs.filter(organization_id__in=orgs)
    if member is not None:
        cond = cond | qs.filter(member=member)
    return set(cond.values_list("session_id", flat=True))


def is_invited(user, session: Session) -> bool:
    return not session.is_restricted or session.pk in invited_session_ids(user, [session])


class SessionView:
    """What one person may do and see of one session."""

    def __init__(self, session, *, registration=None, invited=False, organizer=False):
        self.session = session
        self.registration = registration
        self.invited = invited or not session.is_restricted
        self.organizer = organizer

    @property
    def registered(self) -> bool:
        r = self.registration
        return r is not None and r.status == Registration.Status.CONFIRMED

    @property
    def waiting(self) -> bool:
        r = self.registration
        return r is not None and r.status == Registration.Status.WAITING

    @property
    def sees_link(self) -> bool:
        return bool(self.session.online_url) and (self.registered or self.organizer)

    @property
    def sees_materials(self) -> bool:
        return self.invited or self.organizer


def sessions_with_materials(user, sessions) -> set[int]:
    """The sessions among `sessions` whose materials `user` may read (`sees_materials`: open
    sessions, restricted ones they are invited to, those of events they organise), in a few
    queries whatever their number. Each session's `event.organizer` should be selected."""
    sessions = list(sessions)
    invited = invited_session_ids(user, sessions)
    organizer = organizes(user)
    return {
        s.pk
        for s in sessions
        if SessionView(
            s, invited=s.pk in invited, organizer=organizer(s.event.organizer)
        ).sees_materials
    }


def session_views(user, event: Event, sessions) -> list[SessionView]:
    """Each session of `event` as `user` sees it, in three queries whatever their number."""
    sessions = list(sessions)
    organizer = can_organize(user, event.organizer)
    invited = invited_session_ids(user, sessions)
    mine = {}
    if _signed_in(user):
        mine = {
            r.session_id: r
            for r in Registration.objects.filter(user=user, session__in=[s.pk for s in sessions])
        }
    return [
        SessionView(s, registration=mine.get(s.pk), invited=s.pk in invited, organizer=organizer)
        for s in sessions
    ]


def access_event(pk) -> Event:
    """An event anyone may read (its restricted sessions show only that they exist)."""
    event = Event.objects.select_related("organizer").filter(pk=pk).first()
    if event is None:
        raise Http404(_("No such event."))
    return event


def access_session(pk) -> Session:
    session = Session.objects.select_related("event__organizer").filter(pk=pk).first()
    if session is None:
        raise Http404(_("No such session."))
    return session
