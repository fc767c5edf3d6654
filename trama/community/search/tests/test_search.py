"""Search in Italian across what the community and the platform publish, each person
finding only what they may see."""

import datetime

import pytest
from django.urls import reverse

from trama.community import services as community
from trama.community.search import index
from trama.community.search.models import SearchDocument
from trama.procedures.services import create_call, record_historical_procedure
from trama.programs.services import create_program

pytestmark = pytest.mark.django_db


def join(user, name, visibility="MEMBERS", bio=""):
    return community.join_community(
        user, consent=True, display_name=name, visibility=visibility, bio=bio
    )


@pytest.fixture
def world(personas):
    p = personas
    program = create_program(
        by=p.alice, owner=p.comune, title="Welfare di comunità", start_year=2016, end_year=2020
    )
    record_historical_procedure(
        by=p.alice,
        program=program,
        title="Avviso per l'inclusione",
        kind="CO_DESIGN",
        opened_on=datetime.date(2016, 3, 1),
        description="Attività di accompagnamento educativo nei quartieri",
    )
    # A draft is its body's until it is published: nobody finds it.
    create_call(by=p.alice, program=program, title="Avviso riservato sulle cooperative in bozza")
    join(p.tom, "Tommaso del consorzio", "PUBLIC", "Coordino cooperative sociali a Lecco")
    join(p.pat, "Patrizia", "MEMBERS", "Seguo le cooperative di tipo B")
    return program


def titles(client, text, **params):
    page = client.get(reverse("search:search"), {"q": text, **params})
    assert page.status_code == 200
    return page, [f.title for f in page.context["found"]]


def test_italian_words_are_found_by_their_stem_and_without_accents(client, personas, world):
    # "cooperative" (plural) finds the body named "Cooperativa Arcobaleno".
    _page, found = titles(client, "cooperative")
    assert "Cooperativa Arcobaleno" in found
    # Typed without its accent, "attivita" finds "Attività" in the call's object; and the
    # other way round.
    for typed in ("attivita", "attività", "ATTIVITÀ educative"):
        page, found = titles(client, typed)
        assert found == ["Avviso per l'inclusione"], typed
    snippet = str(page.context["found"][0].snippet)
    assert "<mark>Attività</mark>" in snippet and "<mark>educativo</mark>" in snippet


def test_each_person_finds_only_what_they_may_see(client, personas, world):
    p = personas
    _page, anonymous = titles(client, "cooperative")
    # The public profile, not the members-only one; never the draft call.
    assert "Tommaso del consorzio" in anonymous and "Patrizia" not in anonymous
    assert not any("bozza" in title for title in anonymous)
    client.force_login(p.eve)  # an account, not a member of the community
    assert "Patrizia" not in titles(client, "cooperative")[1]
    client.force_login(p.tom)  # a member
    assert "Patrizia" in titles(client, "cooperative")[1]
    # Patrizia leaves the community: nobody finds her profile any more.
    community.leave_community(p.pat.community_member, by=p.pat)
    assert "Patrizia" not in titles(client, "cooperative")[1]
    assert not SearchDocument.objects.filter(kind="member", title="Patrizia").exists()


def test_results_by_type_a_bad_query_and_bounded_queries(
    client, personas, world, django_assert_max_num_queries
):
    page, found = titles(client, "cooperative", tipo="member")
    assert found == ["Tommaso del consorzio"]
    figures = {k: n for k, _label, n, _q in page.context["facets"]}
    assert figures["member"] == 1 and figures["organization"] >= 1
    body = page.content.decode()
    assert "1 risultato" in body or "1 result" in body
    too_long = client.get(reverse("search:search"), {"q": "x" * 201})
    assert too_long.status_code == 400
    assert too_long.context["form"].errors["q"]
    unknown = client.get(reverse("search:search"), {"q": "cooperative", "tipo": "nothing"})
    assert unknown.status_code == 400
    nothing = client.get(reverse("search:search"), {"q": "zzzxxyy"})
    assert nothing.status_code == 200 and nothing.context["found"] == []
    with django_assert_max_num_queries(8):
        client.get(reverse("search:search"), {"q": "cooperative"})


def test_the_index_is_rebuilt_equal_to_the_one_kept_on_write(personas, world):
    kept = set(SearchDocument.objects.values_list("kind", "object_id", "title", "text", "url"))
    assert index.rebuild() == len(kept)
    rebuilt = set(SearchDocument.objects.values_list("kind", "object_id", "title", "text", "url"))
    assert rebuilt == kept


def test_practice_sheets_and_library_documents_are_found_once_public(client, personas):
    from trama.community.practices import services as practices
    from trama.community.practices.tests.conftest import pdf, sheet

    p = personas
    for user in (p.alice, p.tom):
        community.join_community(user, consent=True, display_name=user.get_full_name())
    draft = sheet(p.tom, actors=[p.consortium], title="Orti di quartiere", worked="I volontari")
    published = sheet(
        p.tom,
        actors=[p.consortium, "Associazione Auser"],
        title="Custodi del parco",
        worked="Le ore di volontariato valorizzate nel bilancio",
        publish=True,
    )
    practices.create_document(
        by=p.alice,
        upload=pdf(),
        kind="STUDY",
        title="Studio sulle reti territoriali",
        description="Un'analisi delle reti di volontariato",
        body=p.comune,
        tags=["reti"],
    )
    _page, found = titles(client, "volontari")
    assert "Custodi del parco" in found and "Studio sulle reti territoriali" in found
    assert draft.title not in found
    # The actors named on the sheet are found too.
    assert titles(client, "auser", tipo="practice")[1] == [published.title]


def test_events_for_everyone_and_discussions_for_members_only(client, personas):
    from django.utils import timezone

    from trama.community.discussions import services as discussions
    from trama.community.discussions.models import Category
    from trama.community.events import services as events
    from trama.community.models import Moderator, Topic

    p = personas
    join(p.alice, "Alice Rossi")
    Moderator.objects.create(user=p.alice, named_at=timezone.now())
    start = timezone.now() + datetime.timedelta(days=30)
    events.create_event(
        by=p.alice,
        title="Incontro della comunità a Torino",
        place="Torino",
        sessions=[
            {
                "title": "Laboratorio sulla valutazione d'impatto",
                "starts_at": start,
                "ends_at": start + datetime.timedelta(hours=3),
            }
        ],
    )
    topic = Topic.objects.create(name="Volontariato", slug="volontariato")
    category = Category.objects.create(topic=topic, name="Volontariato", slug="volontariato")
    join(p.tom, "Tom Verdi")
    thread = discussions.start_thread(
        p.tom, category, title="Ore di volontariato", text="Come valutare l'impatto?"
    )
    # Tom is new to the discussions: his first thread waits for review, found by nobody,
    # not even by the moderator searching.
    client.force_login(p.alice)
    assert titles(client, "impatto", tipo="thread")[1] == []
    client.logout()
    discussions.approve_post(thread.posts.get(), by=p.alice)
    # The session's title finds its event, for anyone.
    assert titles(client, "valutazione impatto", tipo="event")[1] == [
        "Incontro della comunità a Torino"
    ]
    # The discussion, for members of the community only (held first posts are not found).
    assert titles(client, "impatto", tipo="thread")[1] == []
    client.force_login(p.alice)
    assert titles(client, "impatto", tipo="thread")[1] == ["Ore di volontariato"]


def test_a_long_text_gets_its_snippet_around_the_first_match(client, personas):
    from trama.community.practices import services as practices
    from trama.community.practices.tests.conftest import pdf

    p = personas
    community.join_community(p.alice, consent=True, display_name="Alice Rossi")
    filler = "Il tavolo si riunisce ogni mese con gli enti del quartiere. " * 200
    practices.create_document(
        by=p.alice,
        upload=pdf(),
        kind="CALL_TEMPLATE",
        title="Schema di avviso",
        description="Un modello",
        body=p.comune,
        text=filler + "Le cooperative di comunità gestiscono il servizio. " + filler,
    )
    page, found = titles(client, "cooperativa", tipo="document")
    assert found == ["Schema di avviso"]
    assert "<mark>cooperative</mark>" in str(page.context["found"][0].snippet)
