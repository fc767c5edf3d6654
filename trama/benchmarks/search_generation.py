"""The search benchmark's data: a community's discussions, practice sheets, library documents,
events and public calls in generated Italian, then the search index built by the product.

Text is drawn from `data/search_words.txt` (the most frequent Italian words and the
vocabulary of shared administration, each with its frequency), so common words are common
and rare ones rare, as in what people write. Rows go in through `bulk_create` (no signals,
so nothing is indexed one by one); the index is then written by `search.index.rebuild()`,
the function `manage.py rebuild_search` runs, from the same providers that keep it on every
save.

Moderation is generated too: some threads are held for review or hidden, and some posts of
published threads are held or hidden. Those carry a marker word (`HELD_MARKER`) that appears
nowhere else, so the benchmark can check that nobody ever finds them.
"""

import datetime
import random
from dataclasses import dataclass
from html import escape
from itertools import accumulate
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from trama.benchmarks.database import Timer, empty_database, read_generation, record_generation
from trama.community.discussions.models import Category, Post, State, Thread
from trama.community.events.models import Event, Session
from trama.community.models import CONSENT_VERSION, Member, Topic
from trama.community.practices.models import Document, Practice, PracticeActor, Tag
from trama.community.search import index
from trama.community.search.models import SearchDocument
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.programs.models import Area, Program
from trama.territories.models import Municipality
from trama.territories.services import load_territories

WORDS_FILE = Path(__file__).parent / "data" / "search_words.txt"
# Made-up words, in no word list: written only into what must never be found.
HELD_MARKER = "zqtrattenuto"
MEMBERS_ONLY_MARKER = "zqriservato"
PERSONA_EMAILS = {
    "non-member": "bench-account@trama.test",
    "member": "bench-member@trama.test",
}


@dataclass(frozen=True)
class Size:
    name: str
    threads: int
    posts: int  # threads' opening posts and their replies
    practices: int
    documents: int
    events: int
    calls: int
    members: int
    queries: int  # measured queries per persona


SIZES = {
    # CI: every step on little data (timings are not asserted).
    "small": Size("small", 150, 600, 60, 60, 10, 20, 40, 12),
    # Issue 12: 100,000 threads and replies, 10,000 practice sheets and documents.
    "full": Size("full", 25_000, 100_000, 5_000, 5_000, 400, 1_000, 2_000, 300),
}


def load_words(path: Path = WORDS_FILE) -> tuple[list[str], list[float]]:
    """The word list and each word's relative frequency."""
    words, weights = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        word, zipf = line.split("\t")
        words.append(word)
        weights.append(10 ** float(zipf))
    return words, weights


class Writer:
    """Italian-looking text: sentences of words drawn by their frequency."""

    def __init__(self, rng: random.Random, words, weights):
        self.rng = rng
        self.words = words
        self.cumulative = list(accumulate(weights))

    def words_(self, n: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=n)

    def sentence(self, low=6, high=18) -> str:
        words = self.words_(self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def text(self, sentences_low: int, sentences_high: int) -> str:
        n = self.rng.randint(sentences_low, sentences_high)
        return " ".join(self.sentence() for _ in range(n))

    def title(self, low=3, high=9) -> str:
        return " ".join(self.words_(self.rng.randint(low, high))).capitalize()[:190]


def _people(size: Size, now) -> tuple[list[Member], dict]:
    User = get_user_model()
    users = [
        User(email=email, password="!", first_name=label) for label, email in PERSONA_EMAILS.items()
    ]
    users += [User(email=f"bench-{i}@trama.test", password="!") for i in range(size.members)]
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(email__endswith="@trama.test").order_by("pk"))
    by_email = {u.email: u for u in users}
    # The "non-member" persona has an account and no membership.
    joining = [u for u in users if u.email != PERSONA_EMAILS["non-member"]]
    members = [
        Member(
            user=u,
            display_name=f"Socio {i}",
            visibility=Member.Visibility.PUBLIC if i % 3 == 0 else Member.Visibility.MEMBERS,
            # A members-only profile carries the marker: visitors must not find it.
            bio="" if i % 3 == 0 else MEMBERS_ONLY_MARKER,
            consented_at=now,
            consent_version=CONSENT_VERSION,
            joined_at=now,
            updated_at=now,
        )
        for i, u in enumerate(joining)
    ]
    Member.objects.bulk_create(members, batch_size=2000)
    return list(Member.objects.order_by("pk")), by_email


def _calls(size: Size, writer: Writer, rng, now) -> None:
    if not Municipality.objects.exists():
        load_territories()
    places = list(Municipality.objects.order_by("pk")[:2000])
    bodies = [
        Organization(
            name=f"Comune di {(place := rng.choice(places)).name}",
            municipality=place,
            slug=f"bench-comune-{i}",
            kind=Organization.Kind.PUBLIC_BODY,
            public_body_type="MUNICIPALITY",
            legal_form=Organization.LegalForm.PUBLIC_ENTITY,
            tax_code=f"{80000000000 + i}",
            description=writer.text(1, 3),
        )
        for i in range(max(5, size.calls // 10))
    ]
    bodies = Organization.objects.bulk_create(bodies)
    programs = Program.objects.bulk_create(
        [
            Program(
                owner=rng.choice(bodies),
                title=writer.title(),
                slug=f"bench-program-{i}",
                area=rng.choice(Area.values),
                start_year=2016,
                end_year=2020,
                description=writer.text(1, 4),
            )
            for i in range(max(3, size.calls // 5))
        ]
    )
    Procedure.objects.bulk_create(
        [
            Procedure(
                program=(program := rng.choice(programs)),
                owner_id=program.owner_id,
                title=writer.title(),
                kind=rng.choice([Procedure.Kind.CO_DESIGN, Procedure.Kind.CO_PROGRAMMING]),
                origin=Procedure.Origin.HISTORICAL,
                state=Procedure.State.COMPLETED,
                opened_on=datetime.date(2016 + i % 8, 1 + i % 12, 1),
                description=writer.text(2, 8),
            )
            for i in range(size.calls)
        ],
        batch_size=2000,
    )


def _discussions(size: Size, writer: Writer, rng, members, now) -> None:
    topics = Topic.objects.bulk_create(
        [Topic(name=f"Tema {i} {writer.title(1, 2)}", slug=f"tema-{i}") for i in range(12)]
    )
    categories = Category.objects.bulk_create(
        [
            Category(topic=t, name=f"Categoria {i} {t.name}", slug=f"categoria-{i}", position=i)
            for i, t in enumerate(topics)
        ]
    )
    states = [State.PUBLISHED] * 95 + [State.HELD] * 3 + [State.HIDDEN] * 2
    threads = []
    for i in range(size.threads):
        at = now - datetime.timedelta(minutes=size.threads - i)
        state = rng.choice(states)
        threads.append(
            Thread(
                # Some categories are busier than others.
                category=categories[min(int(rng.expovariate(0.35)), len(categories) - 1)],
                title=writer.title() + (f" {HELD_MARKER}" if state != State.PUBLISHED else ""),
                author=rng.choice(members),
                is_question=rng.random() < 0.4,
                state=state,
                created_at=at,
                last_posted_at=at,
            )
        )
    threads = Thread.objects.bulk_create(threads, batch_size=2000)
    # Each thread opens with a post; the other posts are replies spread over the threads
    # (a few long discussions, many short ones).
    popularity = [min(rng.paretovariate(1.3), 80.0) for _ in threads]
    owners = list(range(len(threads))) + rng.choices(
        range(len(threads)), weights=popularity, k=size.posts - len(threads)
    )
    owners.sort()
    replies = {}
    batch = []
    for n, owner in enumerate(owners):
        thread = threads[owner]
        first = owner not in replies
        replies[owner] = replies.get(owner, -1) + 1
        # A reply is held for review or hidden now and then (its thread stays published).
        state = thread.state if first else rng.choice(states)
        source = writer.text(1, 6) + (f" {HELD_MARKER}" if state != State.PUBLISHED else "")
        at = thread.created_at + datetime.timedelta(seconds=n % 600)
        batch.append(
            Post(
                thread=thread,
                author=rng.choice(members),
                source=source,
                html=f"<p>{escape(source)}</p>",
                state=state,
                created_at=at,
                published_at=at if state == State.PUBLISHED else None,
            )
        )
        if len(batch) >= 5000:
            Post.objects.bulk_create(batch)
            batch = []
    Post.objects.bulk_create(batch)
    for owner, count in replies.items():
        threads[owner].reply_count = count
    Thread.objects.bulk_update(threads, ["reply_count"], batch_size=2000)


def _library(size: Size, writer: Writer, rng, members, now) -> None:
    tags = Tag.objects.bulk_create(
        [Tag(name=f"{writer.title(1, 2)} {i}", slug=f"tag-{i}") for i in range(60)]
    )
    documents = Document.objects.bulk_create(
        [
            Document(
                kind=(kind := rng.choice(Document.Kind.values)),
                title=writer.title(),
                description=writer.text(1, 5),
                # Templates carry their whole text: long documents.
                text=writer.text(20, 80) if kind in Document.TEMPLATE_KINDS else "",
                author=rng.choice(members),
                created_at=now,
                updated_at=now - datetime.timedelta(hours=i),
            )
            for i in range(size.documents)
        ],
        batch_size=1000,
    )
    through = Document.tags.through
    through.objects.bulk_create(
        [
            through(document_id=d.pk, tag_id=t.pk)
            for d in documents
            for t in rng.sample(tags, rng.randint(0, 3))
        ],
        batch_size=5000,
    )
    practices = Practice.objects.bulk_create(
        [
            Practice(
                title=writer.title(),
                # A draft is seen by its authors only: never found.
                status=Practice.Status.PUBLISHED if i % 10 else Practice.Status.DRAFT,
                summary=writer.text(2, 6),
                territory=writer.title(1, 3),
                year_from=2015 + i % 10,
                area=rng.choice(Area.values),
                resources=writer.text(1, 4),
                worked=writer.text(3, 15),
                did_not_work=writer.text(1, 8),
                created_by=rng.choice(members),
                created_at=now,
                updated_at=now - datetime.timedelta(hours=i),
                published_at=now if i % 10 else None,
            )
            for i in range(size.practices)
        ],
        batch_size=1000,
    )
    PracticeActor.objects.bulk_create(
        [
            PracticeActor(practice=p, name=f"Cooperativa sociale {writer.title(1, 2)}", position=n)
            for p in practices
            for n in range(rng.randint(1, 3))
        ],
        batch_size=5000,
    )


def _events(size: Size, writer: Writer, rng, now) -> None:
    events = []
    for i in range(size.events):
        starts = now + datetime.timedelta(days=i - size.events // 2)
        events.append(
            Event(
                title=writer.title(),
                description=writer.text(2, 6),
                place=writer.title(1, 3),
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=3),
                cancelled_at=now if i % 20 == 0 else None,
            )
        )
    events = Event.objects.bulk_create(events)
    Session.objects.bulk_create(
        [
            Session(
                event=e,
                title=writer.title(),
                description=writer.text(1, 3),
                starts_at=e.starts_at,
                ends_at=e.ends_at,
            )
            for e in events
            for _ in range(rng.randint(1, 3))
        ]
    )


def generate(size: Size, *, seed: int, log) -> dict:
    """Empty the benchmark database and fill it; returns each phase's seconds."""
    timer = Timer(log)
    rng = random.Random(seed)
    words, weights = load_words()
    writer = Writer(rng, words, weights)
    now = timezone.now()
    with transaction.atomic():
        with timer.phase("empty database"), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            empty_database(cursor)
        with timer.phase("members"):
            members, _users = _people(size, now)
        with timer.phase("bodies, programs and calls"):
            _calls(size, writer, rng, now)
        with timer.phase(f"threads and posts ({size.posts:,})"):
            _discussions(size, writer, rng, members, now)
        with timer.phase("library and practice sheets"):
            _library(size, writer, rng, members, now)
        with timer.phase("events"):
            _events(size, writer, rng, now)
    with timer.phase("search index (index.rebuild)"):
        index.rebuild()
    with timer.phase("vacuum analyze"), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    record_generation(META_TABLE, size.name, seed, timer.phases)
    return timer.phases


META_TABLE = "bench_search_meta"


def generated() -> dict | None:
    return read_generation(META_TABLE)


def counts() -> dict:
    rows = SearchDocument.objects.order_by()
    by_kind = dict(rows.values_list("kind").annotate(n=Count("pk")))
    by_visibility = dict(rows.values_list("visibility").annotate(n=Count("pk")))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('search_searchdocument')), "
            "pg_size_pretty(pg_database_size(current_database()))"
        )
        table_size, database_size = cursor.fetchone()
    return {
        "threads": Thread.objects.count(),
        "threads_held_or_hidden": Thread.objects.exclude(state=State.PUBLISHED).count(),
        "posts": Post.objects.count(),
        "posts_held_or_hidden": Post.objects.exclude(state=State.PUBLISHED).count(),
        "practices": Practice.objects.count(),
        "documents": Document.objects.count(),
        "events": Event.objects.count(),
        "calls": Procedure.objects.count(),
        "members": Member.objects.count(),
        "search_documents": SearchDocument.objects.count(),
        "search_documents_by_kind": by_kind,
        "search_documents_by_visibility": by_visibility,
        "sizes_on_disk": {"search_table": table_size, "database": database_size},
    }
