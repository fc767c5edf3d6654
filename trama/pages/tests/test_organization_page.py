# ruff: noqa: F811  (the procedures fixtures are imported by name)
"""A body's public page lists its programs, its calls and its figures, and nothing sealed."""

import html

import pytest
from django.urls import reverse

from trama.ledger import services as ledger_services
from trama.procedures import services
from trama.procedures.tests.conftest import bodies, call, complete_proposal, rome  # noqa: F401

pytestmark = pytest.mark.django_db


def _page(client, org) -> str:
    return html.unescape(
        client.get(reverse("organizations:detail", args=[org.slug])).content.decode()
    )


def test_a_public_bodys_page_lists_its_programs_calls_and_figures(
    bodies, call, client, django_assert_max_num_queries
):
    services.create_call(by=bodies.alice, program=call.program, title="Bozza riservata")
    ledger_services.record_entry(
        by=bodies.alice,
        program=call.program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="PUBLIC_OWNER",
        contributor=bodies.comune,
        year=2026,
        amount="200000.00",
    )
    url = reverse("organizations:detail", args=[bodies.comune.slug])
    with django_assert_max_num_queries(12):
        page = html.unescape(client.get(url).content.decode())

    assert "Programmi" in page and call.program.title in page and "lo gestisce" in page
    assert call.title in page and "scadenza 30 marzo 2026" in page
    assert "Bozza riservata" not in page  # a draft is the body's own until published
    assert "Risorse pubbliche nei suoi programmi" in page and "200.000,00\xa0€" in page


def test_a_third_sector_bodys_page_lists_the_programs_it_brings_resources_to(bodies, call, client):
    assert call.program.title not in _page(client, bodies.coop)
    entry = ledger_services.record_entry(
        by=bodies.tom,
        program=call.program,
        kind="ACTUAL",
        category="PROFESSIONAL",
        source="OWN_RESOURCES",
        contributor=bodies.coop,
        year=2026,
        amount="15000.00",
    )
    page = _page(client, bodies.coop)
    assert call.program.title in page and "apporta risorse" in page
    assert "15.000,00\xa0€" not in page  # not accepted yet
    ledger_services.verify_entry(entry, by=bodies.alice, accept=True)
    assert "Risorse aggiuntive apportate" in _page(client, bodies.coop)
    assert "15.000,00\xa0€" in _page(client, bodies.coop)


def test_a_submitted_proposal_does_not_show_on_its_lead_bodys_page(bodies, call, client):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.coop, title="SIGILLO-org")
    services.submit_proposal(proposal, by=bodies.tom)
    page = _page(client, bodies.coop)
    assert call.title not in page and "SIGILLO-org" not in page


def test_the_browser_tab_names_the_page_then_trama(bodies, client):
    page = _page(client, bodies.comune)
    title = page.split("<title>")[1].split("</title>")[0]
    assert title == f"{bodies.comune.name} · Trama"
    home = client.get(reverse("pages:home")).content.decode()
    assert "<title>Trama</title>" in home
