"""Community events: the list and an event with its sessions (public), registering to a
session, cancelling, and the token owner's registrations; for the organisers of an event
(the community's moderators, and the organising body's members who joined the community)
inviting to a restricted session, adding its files, recording attendance, taking a person
off; following calls and bodies, and the calendar address.

A restricted session shows that it exists to everyone; its description, link and materials
only to whom may see them, as on the pages. A session's organising acts answer 404 to
anyone who does not organise its event, as its organisers' page does. Refusals carry stable
codes: `not_invited` (403), `session_started`, `event_cancelled`, `not_registered`,
`session_open`, `session_not_started`, `not_a_member`, `not_published`, `required`,
`too_long`, `too_large`. A full session is not an error: the registration comes back with
`status` WAITING and its `position`.
"""

import base64
import binascii
import datetime
from typing import Annotated, Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from trama.community.events import services
from trama.community.events.access import (
    access_event,
    access_session,
    can_organize,
    session_views,
)
from trama.community.events.models import Event, Follow, Material, Registration
from trama.community.models import Member
from trama.organizations.models import Organization
from trama.procedures.models import Procedure

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import Id, InputSchema, Pagination, Slug, Text
from .errors import ApiError, errors, organization_named, refused

router = Router(tags=["community events"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}
READ = {"auth": TokenAuth()}
WRITE = {"auth": TokenAuth(write=True)}
# A session's file of up to 20 MB, in Base64.
MAX_FILE_BASE64 = (services.MAX_UPLOAD // 3 + 1) * 4


class EventOut(Schema):
    id: int
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    online: bool
    organizer: str | None = Field(description="The organising body's slug.")
    cancelled: bool
    url: str

    @staticmethod
    def resolve_organizer(obj):
        return obj.organizer.slug if obj.organizer_id else None

    @staticmethod
    def resolve_cancelled(obj):
        return obj.cancelled_at is not None

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class MaterialOut(Schema):
    title: str
    kind: Literal["MATERIAL", "MINUTES"]
    url: str


class SessionOut(Schema):
    id: int
    title: str
    description: str = Field(description="Empty for a restricted session one is not invited to.")
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    access: Literal["OPEN", "RESTRICTED"]
    capacity: int | None
    invited: bool = Field(description="Whether the token's owner may register.")
    online_url: str | None = Field(description="Only for the registered and the organisers.")
    my_status: Literal["CONFIRMED", "WAITING"] | None
    materials: list[MaterialOut] | None = Field(description="None where one may not see them.")


class EventDetailOut(EventOut):
    description: str
    sessions: list[SessionOut]

    @staticmethod
    def resolve_sessions(obj):
        return obj.session_list


class RegistrationOut(Schema):
    session: int
    event: int
    title: str
    starts_at: datetime.datetime
    status: Literal["CONFIRMED", "WAITING", "CANCELLED"]
    position: int | None = Field(description="Place on the waiting list (1 = next).")

    @staticmethod
    def resolve_session(obj):
        return obj.session_id

    @staticmethod
    def resolve_event(obj):
        return obj.session.event_id

    @staticmethod
    def resolve_title(obj):
        return f"{obj.session.event.title} — {obj.session.title}"

    @staticmethod
    def resolve_starts_at(obj):
        return obj.session.starts_at

    @staticmethod
    def resolve_position(obj):
        # One count for each waiting registration only (a person waits on few sessions).
        return services.waiting_position(obj)


class EventFilters(Schema):
    when: Literal["upcoming", "past"] = "upcoming"


@router.get(
    "/community/events",
    response={200: list[EventOut], **errors(401, 422)},
    summary="List the community's events",
    **PUBLIC,
)
@paginate(Pagination)
def list_events(request, filters: Query[EventFilters]):
    """Upcoming ones first by date (default), or `when=past`, latest first."""
    qs = Event.objects.listed().select_related("organizer")
    return qs.past() if filters.when == "past" else qs.upcoming()


@router.get(
    "/community/events/{event_id}",
    response={200: EventDetailOut, **errors(401, 404, 422)},
    summary="An event with its sessions",
    **PUBLIC,
)
def get_event(request, event_id: Id):
    event = access_event(event_id)
    views = session_views(
        request.user,
        event,
        event.sessions.prefetch_related("materials").order_by("starts_at", "pk"),
    )
    sessions = []
    for v in views:
        s = v.session
        sessions.append(
            {
                "id": s.pk,
                "title": s.title,
                "description": s.description if v.invited else "",
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "access": s.access,
                "capacity": s.capacity,
                "invited": v.invited,
                "online_url": s.online_url if v.sees_link else None,
                "my_status": v.registration.status if v.registered or v.waiting else None,
                "materials": [
                    {"title": m.title, "kind": m.kind, "url": f"/comunita/eventi/materiali/{m.pk}/"}
                    for m in s.materials.all()
                ]
                if v.sees_materials
                else None,
            }
        )
    event.session_list = sessions
    return event


def _session(session_id):
    return access_session(session_id)


@router.post(
    "/community/sessions/{session_id}/register",
    response={200: RegistrationOut, **errors(400, 401, 403, 404, 422)},
    summary="Register to a session",
    **WRITE,
)
def register(request, session_id: Id):
    """Idempotent: asking again returns the same registration. Full: on the waiting list."""
    session = _session(session_id)
    try:
        registration = services.register(session, by=request.user)
    except services.NotInvited as exc:
        raise ApiError(403, "not_invited", str(exc.args[0])) from exc
    return registration


@router.post(
    "/community/sessions/{session_id}/cancel",
    response={200: RegistrationOut, **errors(400, 401, 403, 404, 422)},
    summary="Cancel my registration to a session",
    **WRITE,
)
def cancel(request, session_id: Id):
    """The first on the waiting list takes the place freed (and is told by e-mail)."""
    return services.cancel_registration(_session(session_id), by=request.user)


@router.get(
    "/community/registrations",
    response={200: list[RegistrationOut], **errors(401, 422)},
    summary="My registrations to sessions",
    **READ,
)
@paginate(Pagination)
def my_registrations(request):
    """Registered or waiting, from the latest session."""
    return (
        Registration.objects.active()
        .filter(user=request.user)
        .select_related("session__event")
        .order_by("-session__starts_at", "pk")
    )


# --- organising a session ---------------------------------------------------------------------


def _organized_session(request, session_id):
    """A session of an event the token's owner organises; 404 for anyone else."""
    session = access_session(session_id)
    if not can_organize(request.user, session.event.organizer):
        raise Http404(_("No such session."))
    return session


class SessionRegistrationOut(Schema):
    id: int
    session: int
    user: int = Field(description="The person's id, as attendance names them.")
    name: str
    status: Literal["CONFIRMED", "WAITING", "CANCELLED"]
    attended: bool | None = Field(description="Recorded once the session has started.")

    @staticmethod
    def resolve_session(obj):
        return obj.session_id

    @staticmethod
    def resolve_user(obj):
        return obj.user_id

    @staticmethod
    def resolve_name(obj):
        return str(obj.user)


@router.get(
    "/community/sessions/{session_id}/registrations",
    response={200: list[SessionRegistrationOut], **errors(401, 404, 422)},
    summary="A session's registrations, for its organisers",
    **READ,
)
@paginate(Pagination)
def list_session_registrations(request, session_id: Id):
    """Registered, then waiting, in the order they came, as the organisers' page lists them.
    404 for anyone who does not organise the event."""
    session = _organized_session(request, session_id)
    return (
        Registration.objects.active()
        .filter(session=session)
        .select_related("user")
        .order_by("status", "queued_at", "pk")
    )


class SessionInvitationIn(InputSchema):
    member: Id | None = Field(None, description="The id of a member of the community.")
    organization: Slug | None = Field(None, description="A body: each of its members.")


class SessionInvitationOut(Schema):
    id: int
    session: int
    member: int | None
    organization: str | None

    @staticmethod
    def resolve_session(obj):
        return obj.session_id

    @staticmethod
    def resolve_member(obj):
        return obj.member_id

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.slug if obj.organization_id else None


@router.post(
    "/community/sessions/{session_id}/invitations",
    response={201: SessionInvitationOut, **errors(400, 401, 403, 404, 422)},
    summary="Invite to a restricted session",
    **WRITE,
)
def invite_to_session(request, session_id: Id, payload: SessionInvitationIn):
    """An organiser invites a member of the community (`member`) or every member of a body
    (`organization`), one of the two (`required`). Refused with `session_open` for an open
    session, `not_a_member` for someone who left the community; `unknown_member` and
    `unknown_organization` for what does not exist. Inviting again changes nothing."""
    session = _organized_session(request, session_id)
    member = organization = None
    if payload.member is not None:
        member = Member.objects.filter(pk=payload.member).first()
        if member is None:
            raise refused("member", "unknown_member", _("No member of the community has this id."))
    if payload.organization:
        organization = organization_named(payload.organization, "organization")
    invitation = services.invite(session, by=request.user, member=member, organization=organization)
    return Status(201, invitation)


class MaterialIn(InputSchema):
    title: Text(services.LIMITS["title"])
    kind: Literal[tuple(Material.Kind.values)] = "MATERIAL"
    file_name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^/\\\x00]+$")]
    file_base64: Annotated[str, Field(max_length=MAX_FILE_BASE64, description="Up to 20 MB.")]


class MaterialAddedOut(MaterialOut):
    id: int
    session: int


@router.post(
    "/community/sessions/{session_id}/materials",
    response={201: MaterialAddedOut, **errors(400, 401, 403, 404, 422)},
    summary="Add a file to a session",
    **WRITE,
)
def add_session_material(request, session_id: Id, payload: MaterialIn):
    """An organiser adds slides, a paper (`MATERIAL`) or the minutes (`MINUTES`), sent in
    Base64. Who may see the session's materials reads them (a restricted session's only its
    invited). Refused with `invalid_base64`, `too_large` (over 20 MB), `required`."""
    session = _organized_session(request, session_id)
    try:
        data = base64.b64decode(payload.file_base64, validate=True)
    except (binascii.Error, ValueError):
        raise refused("file_base64", "invalid_base64", _("The file is not valid Base64.")) from None
    material = services.add_material(
        session,
        by=request.user,
        title=payload.title,
        kind=payload.kind,
        upload=SimpleUploadedFile(payload.file_name, data),
    )
    return Status(
        201,
        {
            "id": material.pk,
            "session": session.pk,
            "title": material.title,
            "kind": material.kind,
            "url": f"/comunita/eventi/materiali/{material.pk}/",
        },
    )


class AttendanceIn(InputSchema):
    present: list[Id] = Field(
        max_length=10_000, description="Ids of the registered people who came (`user`)."
    )


class AttendanceOut(Schema):
    session: int
    present: int = Field(description="How many registered people came.")


@router.post(
    "/community/sessions/{session_id}/attendance",
    response={200: AttendanceOut, **errors(400, 401, 403, 404, 422)},
    summary="Record who came to a session",
    **WRITE,
)
def record_session_attendance(request, session_id: Id, payload: AttendanceIn):
    """An organiser, once the session has started (`session_not_started` before): every
    registered person is marked present if listed, absent otherwise. Only registered people
    can be listed (`not_registered`)."""
    session = _organized_session(request, session_id)
    registered = set(
        Registration.objects.confirmed().filter(session=session).values_list("user_id", flat=True)
    )
    if set(payload.present) - registered:
        raise refused(
            "present", "not_registered", _("List only people registered to this session.")
        )
    count = services.record_attendance(session, by=request.user, present_user_ids=payload.present)
    return {"session": session.pk, "present": count}


@router.post(
    "/community/sessions/{session_id}/registrations/{registration_id}/remove",
    response={200: SessionRegistrationOut, **errors(400, 401, 403, 404, 422)},
    summary="Take a person off a session",
    **WRITE,
)
def remove_session_registration(request, session_id: Id, registration_id: Id):
    """An organiser cancels someone's registration; the first waiting takes the place (and
    is told by e-mail). Removing again changes nothing."""
    session = _organized_session(request, session_id)
    registration = (
        Registration.objects.select_related("session__event__organizer", "user")
        .filter(pk=registration_id, session=session)
        .first()
    )
    if registration is None:
        raise Http404(_("No such registration."))
    removed = services.remove_registration(registration, by=request.user)
    removed.user = registration.user
    return removed


# --- following and the calendar -----------------------------------------------------------------


class FollowOut(Schema):
    call: int | None
    organization: str | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.slug if obj.organization_id else None


class UnfollowOut(Schema):
    following: bool = Field(description="Always false: the follow is gone (if there was one).")


@router.get(
    "/community/follows",
    response={200: list[FollowOut], **errors(401, 422)},
    summary="The calls and bodies I follow",
    **READ,
)
@paginate(Pagination)
def my_follows(request):
    """Their public acts reach the token owner's notifications; latest first."""
    return (
        Follow.objects.filter(user=request.user)
        .select_related("organization")
        .order_by("-created_at", "-pk")
    )


def _public_call(call_id) -> Procedure:
    procedure = Procedure.objects.public().filter(pk=call_id).first()
    if procedure is None:
        raise Http404(_("No such call."))
    return procedure


def _organization(slug) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise Http404(_("No such organisation."))
    return organization


@router.post(
    "/community/follows/calls/{call_id}",
    response={200: FollowOut, **errors(400, 401, 403, 404, 422)},
    summary="Follow a call",
    **WRITE,
)
def follow_call(request, call_id: Id):
    """A published call (404 otherwise); following again changes nothing."""
    return services.follow(by=request.user, procedure=_public_call(call_id))


@router.post(
    "/community/follows/calls/{call_id}/stop",
    response={200: UnfollowOut, **errors(400, 401, 403, 404, 422)},
    summary="Stop following a call",
    **WRITE,
)
def unfollow_call(request, call_id: Id):
    """Not following it is not an error."""
    services.unfollow(by=request.user, procedure=_public_call(call_id))
    return {"following": False}


@router.post(
    "/community/follows/organizations/{slug}",
    response={200: FollowOut, **errors(400, 401, 403, 404, 422)},
    summary="Follow an organisation",
    **WRITE,
)
def follow_organization(request, slug: Slug):
    """Its public acts and its calls' deadlines reach the token owner; again: no change."""
    return services.follow(by=request.user, organization=_organization(slug))


@router.post(
    "/community/follows/organizations/{slug}/stop",
    response={200: UnfollowOut, **errors(400, 401, 403, 404, 422)},
    summary="Stop following an organisation",
    **WRITE,
)
def unfollow_organization(request, slug: Slug):
    """Not following it is not an error."""
    services.unfollow(by=request.user, organization=_organization(slug))
    return {"following": False}


class CalendarOut(Schema):
    url: str = Field(description="The secret address of the token owner's calendar (iCal).")


@router.post(
    "/community/calendar/regenerate",
    response={200: CalendarOut, **errors(400, 401, 403)},
    summary="A new address for my calendar",
    **WRITE,
)
def regenerate_calendar(request):
    """The old address stops working at once; the calendar holds the sessions one is
    registered to and the deadlines of the calls one follows."""
    feed = services.regenerate_feed(by=request.user)
    return {"url": request.build_absolute_uri(feed.get_absolute_url())}
