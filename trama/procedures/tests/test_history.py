"""Recording a procedure that ran before Trama, from its program's page."""

from html import unescape

import pytest
from django.urls import reverse

from trama.procedures.models import Procedure
from trama.programs.services import create_program

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def program(personas):
    """Alice's verified Comune di Lecco runs a 2016–2020 program."""
    return create_program(
        by=personas.alice,
        owner=personas.comune,
        title="Welfare comunitario",
        start_year=2016,
        end_year=2020,
    )


@pytest.mark.parametrize("who, status", [(None, 302), ("oscar", 403), ("tom", 403), ("fiona", 403)])
def test_only_the_owner_records_a_past_procedure(personas, program, client_for, who, status):
    response = client_for(getattr(personas, who) if who else None).post(
        reverse("procedures:history_create", args=[program.slug]),
        {"title": "Primo avviso", "kind": "CO_DESIGN"},
    )
    assert response.status_code == status
    assert not Procedure.objects.exists()


def test_the_owner_records_a_past_procedure_and_the_dashboard_lists_it(
    personas, program, client_for
):
    client = client_for(personas.eve)
    response = client.post(
        reverse("procedures:history_create", args=[program.slug]),
        {
            "title": "Primo avviso",
            "kind": "CO_DESIGN",
            "reference": "Det. 12/2006",
            "opened_on": "2006-03-01",
        },
    )
    assert response["Location"] == program.get_absolute_url()
    procedure = Procedure.objects.get()
    assert procedure.is_historical and procedure.state == "COMPLETED"
    assert "Det. 12/2006" in body(client.get(program.get_absolute_url()))


def test_a_procedure_that_closes_before_it_opens_is_refused(personas, program, client_for):
    response = client_for(personas.alice).post(
        reverse("procedures:history_create", args=[program.slug]),
        {"title": "X", "kind": "CO_DESIGN", "opened_on": "2010-03-01", "closed_on": "2009-03-01"},
    )
    assert response.status_code == 400
    assert not Procedure.objects.exists()
