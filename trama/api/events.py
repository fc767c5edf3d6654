"""Community events: the list and an event with its sessions (public), registering to a
session, cancelling, and the token owner's registrations.

A restricted session shows that it exists to everyone; its description, link and materials
only to whom may see them, as on the pages. Refusals carry stable codes: `not_invited`
(403), `session_started`, `event_cancelled`, `not_registered`. A full session is not an
error: the registration comes back with `status` WAITING and its `position`.
"""

import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from trama.community.events import services
from trama.community.events.access import access_event, access_session, session_views
from trama.community.events.models import Event, Registration

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import Id, Pagination
from .errors import ApiError, errors

router = Router(tags=["community events"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}
READ = {"auth": TokenAuth()}
WRITE = {"auth": TokenAuth(write=True)}


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
