# ruff: noqa: F811  (the procedures fixtures are imported by name)
"""Cached anonymous pages change with every write they show and when a deadline passes."""

import html
import os
import time
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from trama.ledger import services as ledger_services
from trama.lib import cache as page_cache
from trama.organizations import services as org_services
from trama.procedures import services
from trama.procedures.tests.conftest import bodies, call, rome  # noqa: F401
from trama.programs import services as program_services

pytestmark = pytest.mark.django_db


def _page(url) -> str:
    return html.unescape(Client(HTTP_ACCEPT_LANGUAGE="en").get(url).content.decode())


def test_a_second_visit_is_served_from_the_cache(call, django_assert_max_num_queries):
    url = reverse("procedures:call", args=[call.pk])
    assert call.title in _page(url)
    with django_assert_max_num_queries(0):
        again = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert again.status_code == 200 and call.title in html.unescape(again.content.decode())


def test_a_cached_page_sets_no_cookie_and_the_language_link_switches(call):
    url = reverse("procedures:call", args=[call.pk])
    _page(url)
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(url)
    # A reader gets no form to post: no CSRF token in the page, no cookie to store.
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "X-CSRFToken" not in response.content.decode() and not response.cookies
    switched = visitor.get(f"{reverse('pages:language', args=['en'])}?next={url}")
    assert switched.status_code == 302 and switched["Location"] == url
    assert '<html lang="en">' in visitor.get(url).content.decode()
    # Another site is never the way back.
    away = visitor.get(f"{reverse('pages:language', args=['it'])}?next=https://evil.example/")
    assert away["Location"] == "/"
    assert visitor.get(reverse("pages:language", args=["xx"])).status_code == 404


def test_a_signed_in_visitor_never_gets_the_anonymous_page(personas, client):
    assert "Crea un account" in _page(reverse("pages:home"))
    client.force_login(personas.alice)
    content = client.get(reverse("pages:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Vai all'area personale" in html.unescape(content)


def test_publishing_a_call_lists_it(bodies, time_machine):
    time_machine.move_to(rome(2026, 3, 1, 9, 0), tick=False)
    program = program_services.create_program(
        by=bodies.alice, owner=bodies.comune, title="Abitare", start_year=2026, end_year=2027
    )
    draft = services.create_call(
        by=bodies.alice,
        program=program,
        title="Bando casa comune",
        description="Servizi per l'abitare.",
        deadline=rome(2026, 3, 30, 12, 0),
        min_score="60",
    )
    services.set_criteria(
        draft, by=bodies.alice, criteria=[{"title": "Qualità", "max_points": "100"}]
    )
    services.set_budget(draft, by=bodies.alice, budget={2026: "1000"})
    assert "Bando casa comune" not in _page(reverse("procedures:calls"))
    services.publish_call(draft, by=bodies.alice)
    assert "Bando casa comune" in _page(reverse("procedures:calls"))


def test_extending_a_deadline_shows_the_new_one(call, bodies):
    url = reverse("procedures:call", args=[call.pk])
    assert "April 15" not in _page(url)
    services.extend_deadline(
        call, by=bodies.alice, deadline=rome(2026, 4, 15, 12, 0), reason="Più tempo ai partner"
    )
    assert "April 15" in _page(url) or "15 April" in _page(url)


def test_answering_a_question_publishes_the_answer(call, bodies):
    url = reverse("procedures:call", args=[call.pk])
    question = services.ask_clarification(
        call, by=bodies.tom, question="Si può partecipare in ATS?"
    )
    assert "Sì, con mandato al capofila" not in _page(url)
    services.answer_clarification(question, by=bodies.alice, answer="Sì, con mandato al capofila")
    assert "Sì, con mandato al capofila" in _page(url)


def test_a_deadline_passing_takes_the_call_off_the_open_list(call, time_machine):
    url = reverse("procedures:calls")
    assert call.title in _page(url)
    time_machine.move_to(rome(2026, 3, 30, 12, 1), tick=False)
    assert call.title not in _page(url)


@pytest.fixture
def dashboard(personas):
    program = program_services.create_program(
        by=personas.alice, owner=personas.comune, title="Welfare", start_year=2016, end_year=2020
    )
    return program, reverse("programs:program", args=[program.slug])


def _entry(personas, program, amount):
    return ledger_services.record_entry(
        by=personas.tom,
        program=program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="OWN_RESOURCES",
        contributor=personas.coop,
        year=2017,
        amount=amount,
    )


def test_the_dashboard_follows_recording_verifying_and_reversing(personas, dashboard):
    program, url = dashboard
    shown = personas.coop.name
    assert shown not in _page(url)
    entry = _entry(personas, program, "123456.00")
    assert shown not in _page(url)  # awaiting verification, not accepted yet
    ledger_services.verify_entry(entry, by=personas.alice, accept=True)
    assert shown in _page(url)
    ledger_services.reverse_entry(entry, by=personas.tom, reason="Importo errato")
    assert shown not in _page(url)


def test_the_directory_follows_new_and_verified_organisations(personas):
    from trama.conftest import make_org, make_user

    url = reverse("organizations:directory")
    assert "Cooperativa Arcobaleno Nuova" not in _page(url)
    home = _page(reverse("pages:home"))
    founder = make_user("nora@trama.test")
    org = make_org(
        "Cooperativa Arcobaleno Nuova", by=founder, tax_code="00166130138", verified=False
    )
    listed = _page(url)
    assert "Cooperativa Arcobaleno Nuova" in listed
    unverified = listed.count("Non verificato")
    org_services.verify_organization(org, by=personas.sam)
    assert _page(url).count("Non verificato") == unverified - 1
    assert _page(reverse("pages:home")) != home  # the counts on the home page


def test_the_shared_figures_fragment_follows_verification_for_a_signed_in_viewer(
    personas, dashboard, client_for
):
    program, url = dashboard
    viewer = client_for(personas.oscar)
    entry = _entry(personas, program, "4321.00")
    assert personas.coop.name not in html.unescape(viewer.get(url).content.decode())
    ledger_services.verify_entry(entry, by=personas.alice, accept=True)
    assert personas.coop.name in html.unescape(viewer.get(url).content.decode())


@pytest.fixture
def redis_pages(settings):
    """The page cache on Redis, as in production: versions watched through pub/sub."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
    settings.CACHES = {
        "default": {
            "BACKEND": "trama.lib.redis_cache.SharedRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"trama-test-pages-{uuid.uuid4().hex}",
        }
    }
    page_cache._watch_of_versions = None
    page_cache._local.clear()
    yield
    page_cache._watch_of_versions = None
    page_cache._local.clear()


def test_with_redis_a_page_held_here_follows_a_write(redis_pages, call, bodies):
    url = reverse("procedures:call", args=[call.pk])
    assert "Sì, con mandato al capofila" not in _page(url)
    watch = page_cache._watch()
    deadline = time.monotonic() + 5
    while not watch.live and time.monotonic() < deadline:
        time.sleep(0.01)
    _page(url)  # the versions are now known here
    assert "Sì, con mandato al capofila" not in _page(url)
    question = services.ask_clarification(call, by=bodies.tom, question="ATS?")
    services.answer_clarification(question, by=bodies.alice, answer="Sì, con mandato al capofila")
    assert "Sì, con mandato al capofila" in _page(url)
