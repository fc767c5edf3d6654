from datetime import timedelta

import pytest
from django.utils import timezone

from trama.community.discussions.models import Category, Post, State, Thread
from trama.community.events.models import Event, Invitation, Material, Session
from trama.community.models import Topic
from trama.community.practices.models import Document, Practice
from trama.community.tests.conftest import join
from trama.conftest import make_org
from trama.organizations.models import Organization
from trama.territories.models import Region

DAYS_AGO = 2


def ago(days=DAYS_AGO, now=None):
    return (now or timezone.now()) - timedelta(days=days)


def practice(title, author, *, region=None, published=True, at=None):
    at = at or ago()
    return Practice.objects.create(
        title=title,
        status=Practice.Status.PUBLISHED if published else Practice.Status.DRAFT,
        region=region,
        year_from=2020,
        created_by=author,
        created_at=at,
        updated_at=at,
        published_at=at if published else None,
    )


def document(title, author, *, body=None, at=None):
    at = at or ago()
    return Document.objects.create(
        kind=Document.Kind.STUDY,
        title=title,
        description="Uno studio.",
        author=author,
        body=body,
        created_at=at,
        updated_at=at,
    )


def event(title, *, organizer=None, starts_in=30, cancelled=False, sessions=("Sessione",)):
    starts = timezone.now() + timedelta(days=starts_in)
    made = Event.objects.create(
        title=title,
        place="Lecco",
        organizer=organizer,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        cancelled_at=timezone.now() if cancelled else None,
    )
    Event.objects.filter(pk=made.pk).update(created_at=ago())
    for i, name in enumerate(sessions):
        access = Session.Access.RESTRICTED if name.startswith("Riservata") else Session.Access.OPEN
        Session.objects.create(
            event=made,
            title=name,
            starts_at=starts + timedelta(hours=i),
            ends_at=starts + timedelta(hours=i + 1),
            access=access,
        )
    return made


def material(session, title):
    made = Material.objects.create(session=session, title=title, file="community/events/x.pdf")
    Material.objects.filter(pk=made.pk).update(uploaded_at=ago())
    return made


def thread(category, title, author, *, state=State.PUBLISHED, at=None):
    at = at or ago()
    made = Thread.objects.create(
        category=category, title=title, author=author, state=state, created_at=at, last_posted_at=at
    )
    Post.objects.create(
        thread=made,
        author=author,
        source="Testo",
        html="<p>Testo</p>",
        state=state,
        created_at=at,
        published_at=at if state == State.PUBLISHED else None,
    )
    return made


class World:
    """alice (Comune di Lecco) follows volunteering in Lombardy; tom (the consortium) chose
    nothing, so he sees everything; pat (the cooperative) follows nothing either; oscar has
    not joined. Around them, what was written two days ago, and some that must not show."""

    def __init__(self, personas):
        self.p = personas
        self.lombardia = Region.objects.get(name="Lombardia")
        self.piemonte = Region.objects.get(name="Piemonte")
        self.volontariato = Topic.objects.create(name="Volontariato", slug="volontariato")
        self.avvisi = Topic.objects.create(name="Avvisi", slug="avvisi")
        self.alice = join(
            personas.alice,
            name="Alice Rossi",
            organizations=[personas.comune],
            region=self.lombardia,
            topics=[self.volontariato],
        )
        self.tom = join(personas.tom, name="Tom Verdi")
        self.pat = join(personas.pat, name="Pat Neri")
        self.torino = make_org(
            "Comune di Torino",
            by=personas.sam,
            kind=Organization.Kind.PUBLIC_BODY,
            tax_code="00514490010",
            municipality="Torino (TO)",
        )
        # Practice sheets.
        practice("Pratica lombarda", self.tom, region=self.lombardia)
        practice("Pratica piemontese", self.tom, region=self.piemonte)
        practice("Pratica nazionale", self.tom)
        practice("Bozza lombarda", self.tom, region=self.lombardia, published=False)
        practice("Pratica di due mesi fa", self.tom, region=self.lombardia, at=ago(60))
        # The library.
        document("Studio del Comune di Lecco", self.alice, body=personas.comune)
        document("Studio del Comune di Torino", self.tom, body=self.torino)
        document("Modello senza ente", self.tom)
        # Events: one to come, one cancelled; materials of a past one, one session restricted
        # to the consortium's people.
        event("Seminario a Lecco", organizer=personas.comune)
        event("Seminario annullato", organizer=personas.comune, cancelled=True)
        past = event(
            "Incontro di Torino", starts_in=-10, sessions=("Mattina aperta", "Riservata pomeriggio")
        )
        opened, restricted = past.sessions.order_by("pk")
        Invitation.objects.create(session=restricted, organization=personas.consortium)
        material(opened, "Slide della mattina")
        material(restricted, "Verbale riservato")
        # Discussions: two topics; a thread held for review, one hidden by the moderators.
        self.vol = Category.objects.create(topic=self.volontariato, name="Volontariato", slug="vol")
        self.avv = Category.objects.create(topic=self.avvisi, name="Avvisi", slug="avv")
        thread(self.vol, "Ore dei volontari", self.tom)
        thread(self.avv, "Avviso o appalto?", self.tom)
        thread(self.vol, "Discussione trattenuta", self.pat, state=State.HELD)
        thread(self.vol, "Discussione nascosta", self.tom, state=State.HIDDEN)


@pytest.fixture
def world(personas):
    return World(personas)


def titles(news, kind=None):
    return {item.title for item in news.items() if kind is None or item.kind == kind}
