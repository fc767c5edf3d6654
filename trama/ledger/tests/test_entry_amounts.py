"""Amounts typed in the entry form are read the Italian way, bounded, and shown back so."""

from decimal import Decimal

import pytest
from django.urls import reverse

from trama.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def post(client, program, **fields):
    data = {
        "kind": "ACTUAL",
        "category": "ECONOMIC",
        "source": "OWN_RESOURCES",
        "year": "2017",
        "valuation": "MONEY",
        **fields,
    }
    return client.post(reverse("ledger:entry_create", args=[program.slug]), data)


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("410.000", "410000.00", "410.000,00\xa0€"),
        ("150.000,00", "150000.00", "150.000,00\xa0€"),
        ("150000,5", "150000.50", "150.000,50\xa0€"),
        ("1.500,5", "1500.50", "1.500,50\xa0€"),
    ],
)
def test_an_amount_is_read_the_italian_way_and_shown_back_so(
    personas, program, client_for, typed, stored, shown
):
    client = client_for(personas.tom)
    response = post(client, program, contributor=personas.coop.pk, amount=typed)

    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert entry.amount == Decimal(stored)
    assert shown in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": "1e30"},
        {"amount": "9" * 27},
        {"amount": "1000000000000"},
        {"amount": "1.5"},  # a dot groups thousands in threes: ambiguous
        {"valuation": "IN_KIND", "quantity": "1e30", "unit": "HOUR", "unit_value": "10"},
        {"valuation": "IN_KIND", "quantity": "10", "unit": "HOUR", "unit_value": "9" * 27},
        # Each within its bounds, but their product is more than an amount holds.
        {
            "valuation": "IN_KIND",
            "quantity": "9.999.999.999",
            "unit": "HOUR",
            "unit_value": "9.999.999.999",
        },
    ],
)
def test_what_cannot_be_an_amount_is_a_form_error_not_a_crash(
    personas, program, client_for, fields
):
    response = post(client_for(personas.tom), program, contributor=personas.coop.pk, **fields)

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()  # said beside the field
    assert not LedgerEntry.objects.exists()
