"""What is new in the community for the token's owner, as on the page /comunita/novita/.

For a member of the community only: anyone else is refused with `not_a_member` (403). A
`since` more than 90 days ago is refused with `since_too_old` (400).
"""

import datetime
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from trama.community.access import member_of
from trama.community.whatsnew.news import whats_new

from .auth import TokenAuth
from .errors import ApiError, errors

router = Router(tags=["community"])
READ = {"auth": TokenAuth()}

LONGEST = datetime.timedelta(days=90)
KindWord = Literal["practice", "document", "event", "material", "thread"]


class WhatsNewQuery(Schema):
    since: datetime.datetime | None = Field(
        None,
        description="From when (at most 90 days ago; a time without zone is Europe/Rome). "
        "Default: a week ago.",
    )


class WhatsNewItemOut(Schema):
    kind: KindWord
    title: str
    url: str = Field(description="The page of the item on Trama.")
    at: datetime.datetime = Field(description="When it became new (published, announced…).")
    detail: str = Field(description="A short line: where, what kind, which event or category.")
    starts_at: datetime.datetime | None = Field(description="An event's first session.")


class WhatsNewSectionOut(Schema):
    kind: KindWord
    label: str
    more: bool = Field(description="More items than listed: see the section's own list.")
    items: list[WhatsNewItemOut]

    @staticmethod
    def resolve_label(obj):
        return str(obj.label)


class WhatsNewOut(Schema):
    since: datetime.datetime
    until: datetime.datetime
    topics: list[str] = Field(description="Slugs of the topics followed (empty: every topic).")
    region: str | None = Field(description="ISTAT code of the region followed (null: every one).")
    sections: list[WhatsNewSectionOut]

    @staticmethod
    def resolve_topics(obj):
        return [t.slug for t in obj.topics]

    @staticmethod
    def resolve_region(obj):
        return obj.region.istat_code if obj.region is not None else None


@router.get(
    "/community/whats-new",
    response={200: WhatsNewOut, **errors(400, 401, 403, 422)},
    summary="What's new in my topics and region",
    **READ,
)
def whats_new_for_me(request, query: Query[WhatsNewQuery]):
    """Practice sheets published, library documents added, events announced (with a session
    still to come), materials of sessions the owner may read, and discussion threads opened,
    since `since`, in the topics and region of the owner's profile; at most 20 per kind."""
    member = member_of(request.user)
    if member is None:
        raise ApiError(403, "not_a_member", _("Join the community to see what's new in it."))
    now = timezone.now()
    since = query.since or now - datetime.timedelta(days=7)
    if timezone.is_naive(since):
        since = timezone.make_aware(since)
    if since < now - LONGEST:
        raise ApiError(
            400,
            "since_too_old",
            _("Ask for at most the last 90 days."),
            {
                "since": [
                    {"code": "since_too_old", "message": _("Ask for at most the last 90 days.")}
                ]
            },
        )
    return whats_new(member, since, until=now)
