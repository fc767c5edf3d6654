"""Query bounds of the pages the page benchmark measures that had none.

A signed-in page counts one query more than an anonymous one for the unread notifications in
its header (one indexed count).
"""
# ruff: noqa: F811  (the procedures fixtures are imported by name)

import pytest
from django.urls import reverse

from trama.procedures.tests.conftest import bodies, call, complete_proposal  # noqa: F401
from trama.programs.services import create_program

pytestmark = pytest.mark.django_db


def test_home_is_a_few_queries(client_for, personas, django_assert_max_num_queries):
    anonymous = client_for(None)
    # Organisations counted, open calls, the ledger's totals; when the next deadline falls.
    with django_assert_max_num_queries(5):
        assert anonymous.get(reverse("pages:home")).status_code == 200
    with django_assert_max_num_queries(0):
        assert anonymous.get(reverse("pages:home")).status_code == 200
    signed_in = client_for(personas.alice)
    # The page's own reads, plus the header's: session, user, memberships, unread notices.
    with django_assert_max_num_queries(8):
        assert signed_in.get(reverse("pages:home")).status_code == 200


def test_the_personal_area_and_a_proposal_are_bounded(
    client_for, call, bodies, django_assert_max_num_queries
):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.coop)
    client = client_for(bodies.tom)
    # The task list: a few queries per kind of task, whatever their number (test_tasks);
    # 15 with co-production's query for the agreements in progress and one per kind of the
    # co-design table's and the agreement's tasks, less the header's bodies now kept in the
    # shared cache.
    with django_assert_max_num_queries(15):
        assert client.get(reverse("pages:dashboard")).status_code == 200
    with django_assert_max_num_queries(18):
        response = client.get(reverse("procedures:proposal", args=[proposal.pk]))
    assert response.status_code == 200


def test_a_cached_dashboard_figure_fragment_spares_the_figures(
    client_for, personas, django_assert_max_num_queries
):
    program = create_program(
        by=personas.alice, owner=personas.comune, title="Welfare", start_year=2016, end_year=2020
    )
    client = client_for(personas.alice)
    url = reverse("programs:program", args=[program.slug])
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
