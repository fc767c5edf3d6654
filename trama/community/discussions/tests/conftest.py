from datetime import timedelta

import pytest
from django.utils import timezone

from trama.community import services as community_services
from trama.community.discussions.models import Category, Post, State, Thread
from trama.community.models import Topic
from trama.conftest import make_user


def join(user, name):
    return community_services.join_community(user, consent=True, display_name=name)


def establish(member, thread, count=3):
    """Posts approved long ago: the member is no longer new (no review, links free)."""
    now = timezone.now() - timedelta(days=30)
    Post.objects.bulk_create(
        Post(thread=thread, author=member, source="ok", html="<p>ok</p>",
             state=State.PUBLISHED, created_at=now, published_at=now)
        for _ in range(count)
    )  # fmt: skip


class People:
    def __init__(self):
        self.staff = make_user("staff@trama.test", staff=True)
        self.topic = Topic.objects.create(name="Volontariato", slug="volontariato")
        self.other_topic = Topic.objects.create(name="Avvisi", slug="avvisi")
        self.category = Category.objects.create(topic=self.topic, name="Volontariato", slug="vol")
        self.other = Category.objects.create(topic=self.other_topic, name="Avvisi", slug="avv")
        self.anna = make_user("anna@trama.test", first_name="Anna", last_name="Bianchi")
        self.bruno = make_user("bruno@trama.test", first_name="Bruno", last_name="Neri")
        self.newbie = make_user("newbie@trama.test")
        self.mod = make_user("mod@trama.test")
        self.fac = make_user("fac@trama.test")
        self.far = make_user("far@trama.test")  # facilitates the other topic
        self.outsider = make_user("out@trama.test")
        self.m = {}
        for user, name in [
            (self.anna, "Anna Bianchi"), (self.bruno, "Bruno Neri"), (self.newbie, "Nuovo Arrivato"),
            (self.mod, "Moderatrice"), (self.fac, "Facilitatore"), (self.far, "Facilitatrice Avvisi"),
        ]:  # fmt: skip
            self.m[user.pk] = join(user, name)
        community_services.name_moderator(self.mod, by=self.staff)
        community_services.name_facilitator(self.fac, self.topic, by=self.staff)
        community_services.name_facilitator(self.far, self.other_topic, by=self.staff)
        now = timezone.now()
        # An old thread where the established members' past posts live.
        self.archive = Thread.objects.create(
            category=self.category, title="Archivio", author=self.m[self.anna.pk],
            created_at=now, last_posted_at=now,
        )  # fmt: skip
        establish(self.m[self.anna.pk], self.archive)
        establish(self.m[self.bruno.pk], self.archive)

    def member(self, user):
        return self.m[user.pk]


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.DISCUSSION_POST_RATES = {"minute": 1000, "hour": 1000}


@pytest.fixture
def people(db):
    return People()
