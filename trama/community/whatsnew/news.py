"""What is new in the community for one person since a date: published practice sheets,
library documents, new events still to come, materials of sessions, discussion threads.

Only what the member follows: threads of their topics, and practices, documents, events
and materials of their region (or of no region in particular); a member who chose no
topic (no region) sees the threads of every topic (everything of every region). Who may
see what is asked of each part's own access helpers, never decided here: a members-only
thread, a restricted session's materials, a post held for review reach nobody who may not
read them on their own pages. The queries are a fixed number, whatever the rows.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trama.community.access import member_of
from trama.community.discussions.access import reader, visible_threads
from trama.community.discussions.models import Post, Thread
from trama.community.events.access import sessions_with_materials
from trama.community.events.models import Event, Material
from trama.community.models import Member
from trama.community.practices.access import visible_practices
from trama.community.practices.models import Document

# Items per kind; a section with more says so and links to the full list.
LIMIT = 20
# Materials are read before their access check (a rule in Python): a margin for the ones
# a person may not read.
MATERIALS_READ = 5 * LIMIT

KINDS = {
    "practice": (_("Practice sheets"), "practices:practices"),
    "document": (_("Library documents"), "practices:library"),
    "event": (_("Events"), "events:events"),
    "material": (_("Materials of sessions"), "events:events"),
    "thread": (_("Discussions"), "discussions:categories"),
}


@dataclass(frozen=True)
class Item:
    kind: str
    title: str
    url: str
    at: datetime.datetime  # when it became new
    detail: str = ""  # a short line: where, what kind, which event or category
    starts_at: datetime.datetime | None = None  # an event's first session


@dataclass(frozen=True)
class Section:
    kind: str
    items: list[Item]
    more: bool  # more than LIMIT: the section links to the full list

    @property
    def label(self):
        return KINDS[self.kind][0]

    @property
    def list_url(self) -> str:
        return reverse(KINDS[self.kind][1])


@dataclass(frozen=True)
class News:
    since: datetime.datetime
    until: datetime.datetime
    sections: list[Section]
    topics: list = field(default_factory=list)  # the member's topics (none: every topic)
    region: object = None  # the member's region (None: every region)

    @property
    def count(self) -> int:
        return sum(len(s.items) for s in self.sections)

    @property
    def is_empty(self) -> bool:
        return self.count == 0

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]


def _in_region(prefix: str, region_id, *, optional: bool) -> Q:
    """Rows whose body lies in the region; with `optional`, also those with no body."""
    condition = Q(**{f"{prefix}municipality__province__region_id": region_id})
    if optional:
        condition |= Q(**{f"{prefix[:-2]}__isnull": True})
    return condition


def _cut(rows: list, make) -> tuple[list[Item], bool]:
    return [make(row) for row in rows[:LIMIT]], len(rows) > LIMIT


def whats_new(
    member_or_person, since: datetime.datetime, *, until: datetime.datetime | None = None
) -> News:
    """What is new for a member (a `Member`, or a person's account) between `since` and
    `until` (now), as they may see it, in their topics and region."""
    if isinstance(member_or_person, Member):
        member, user = member_or_person, member_or_person.user
    else:
        user, member = member_or_person, member_of(member_or_person)
    until = until or timezone.now()
    topics = list(member.topics.all()) if member is not None else []
    region = member.region if member is not None and member.region_id else None
    topic_ids = [t.pk for t in topics]
    sections = [
        _practices(user, region, since, until),
        _documents(region, since, until),
        _events(region, since, until),
        _materials(user, region, since, until),
        _threads(user, topic_ids, since, until),
    ]
    return News(since, until, sections, topics=topics, region=region)


def _practices(user, region, since, until) -> Section:
    qs = (
        visible_practices(user)
        .published()
        .filter(published_at__gt=since, published_at__lte=until)
        .select_related("region", "municipality")
        .order_by("-published_at", "-pk")
    )
    if region is not None:
        qs = qs.filter(
            Q(region=region)
            | Q(municipality__province__region=region)
            | Q(region__isnull=True, municipality__isnull=True)
        )
    items, more = _cut(
        list(qs[: LIMIT + 1]),
        lambda p: Item(
            "practice",
            p.title,
            p.get_absolute_url(),
            p.published_at,
            " · ".join(part for part in (p.territory_label, str(p.get_area_display())) if part),
        ),
    )
    return Section("practice", items, more)


def _documents(region, since, until) -> Section:
    # The library is public: every document is readable by everyone (practices.access).
    qs = (
        Document.objects.filter(created_at__gt=since, created_at__lte=until)
        .select_related("body")
        .order_by("-created_at", "-pk")
    )
    if region is not None:
        qs = qs.filter(_in_region("body__", region.pk, optional=True))
    items, more = _cut(
        list(qs[: LIMIT + 1]),
        lambda d: Item(
            "document",
            d.title,
            d.get_absolute_url(),
            d.created_at,
            " · ".join(
                part for part in (str(d.get_kind_display()), d.body and d.body.name) if part
            ),
        ),
    )
    return Section("document", items, more)


def _events(region, since, until) -> Section:
    """Events announced in the period that still have a session to come (never a cancelled
    one); a restricted session shows only that it exists, as on the event's page."""
    qs = (
        Event.objects.listed()
        .upcoming(until)
        .filter(created_at__gt=since, created_at__lte=until)
        .select_related("organizer")
    )
    if region is not None:
        qs = qs.filter(_in_region("organizer__", region.pk, optional=True))
    items, more = _cut(
        list(qs[: LIMIT + 1]),
        lambda e: Item(
            "event",
            e.title,
            e.get_absolute_url(),
            e.created_at,
            str(e.where),
            starts_at=e.starts_at,
        ),
    )
    return Section("event", items, more)


def _materials(user, region, since, until) -> Section:
    qs = (
        Material.objects.filter(
            uploaded_at__gt=since,
            uploaded_at__lte=until,
            session__event__cancelled_at__isnull=True,
        )
        .select_related("session__event__organizer")
        .order_by("-uploaded_at", "-pk")
    )
    if region is not None:
        qs = qs.filter(_in_region("session__event__organizer__", region.pk, optional=True))
    rows = list(qs[:MATERIALS_READ])
    readable = sessions_with_materials(user, {m.session_id: m.session for m in rows}.values())
    rows = [m for m in rows if m.session_id in readable]
    items, more = _cut(
        rows,
        lambda m: Item(
            "material",
            m.title,
            m.session.get_absolute_url(),
            m.uploaded_at,
            f"{m.session.event.title} · {m.session.title}",
        ),
    )
    return Section("material", items, more)


def _threads(user, topic_ids, since, until) -> Section:
    """Threads opened in the period (or whose opening post a moderator approved in it),
    published, that the person may read."""
    opened = Post.objects.filter(thread=OuterRef("pk")).order_by("pk").values("published_at")[:1]
    qs = (
        visible_threads(reader(user), Thread.objects.published())
        .annotate(opened_at=Subquery(opened))
        .filter(opened_at__gt=since, opened_at__lte=until)
        .select_related("category", "author")
        .order_by("-opened_at", "-pk")
    )
    if topic_ids:
        qs = qs.filter(category__topic_id__in=topic_ids)
    items, more = _cut(
        list(qs[: LIMIT + 1]),
        lambda t: Item(
            "thread",
            t.title,
            t.get_absolute_url(),
            t.opened_at,
            f"{t.category.name} · {t.author.public_name}",
        ),
    )
    return Section("thread", items, more)
