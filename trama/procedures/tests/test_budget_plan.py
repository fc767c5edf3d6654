"""A budget-plan line is valid exactly when it would be a valid ledger pledge.

The plan stays sealed inside the proposal and becomes pledges when the ranking is approved:
a line the ledger would refuse must be refused when it is added, with the ledger's own
message, not when the ranking is approved (which would leave the procedure stuck).
"""

from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from trama.ledger.models import LedgerEntry
from trama.procedures import services
from trama.procedures.models import Procedure

from .conftest import complete_proposal, rome

pytestmark = pytest.mark.django_db
SELF_FUNDING = "The body that won the grant and the funder must differ."


@pytest.fixture
def with_foundation(bodies, call):
    """The call admits non-ETS partners: the consortium's proposal has the foundation in it."""
    Procedure.objects.filter(pk=call.pk).update(non_ets_partners=True)
    call.refresh_from_db()
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    link = services.invite_partner(proposal, by=bodies.tom, organization=bodies.foundation)
    services.confirm_participation(link, by=bodies.fiona)
    return proposal


def _grant_line(bodies, **changes):
    return {
        "by": bodies.tom,
        "contributor": bodies.foundation,
        "source": "FOUNDATION_GRANT",
        "category": "ECONOMIC",
        "year": 2026,
        "description": "Contributo della fondazione",
        "amount": Decimal("5000.00"),
        "funder": bodies.foundation,
        **changes,
    }


def test_a_line_where_the_funder_funds_itself_is_refused_when_added(bodies, with_foundation):
    with pytest.raises(ValidationError) as refused:
        services.add_budget_line(with_foundation, **_grant_line(bodies))

    assert refused.value.message_dict == {"funder": [SELF_FUNDING]}
    assert with_foundation.budget_lines.count() == 1  # complete_proposal's own line only


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"funder": None}, "funder"),  # a grant names its funder
        ({"funder": "consortium"}, "funder"),  # …which must be a funder
        ({"source": "OWN_RESOURCES"}, "funder"),  # only a grant names a funder
        ({"category": "SPIRITUAL"}, "category"),
        ({"year": 2031}, "year"),  # outside the program's years
        ({"amount": Decimal("1000000000000")}, "amount"),  # more than a ledger amount holds
    ],
)
def test_every_pledge_rule_applies_to_a_plan_line(bodies, with_foundation, changes, field):
    if changes.get("funder") == "consortium":
        changes["funder"] = bodies.consortium
    with pytest.raises(ValidationError) as refused:
        services.add_budget_line(with_foundation, **_grant_line(bodies, **changes))

    assert field in refused.value.message_dict
    assert with_foundation.budget_lines.count() == 1


def test_the_page_tells_the_lead_why_a_self_funding_line_is_refused(
    bodies, with_foundation, client_for
):
    response = client_for(bodies.tom).post(
        reverse("procedures:proposal_add_line", args=[with_foundation.pk]),
        {
            "contributor": bodies.foundation.pk,
            "source": "FOUNDATION_GRANT",
            "category": "ECONOMIC",
            "year": 2026,
            "description": "Contributo della fondazione",
            "amount": "5000",
            "funder": bodies.foundation.pk,
        },
        follow=True,
    )

    with translation.override("it"):
        message = translation.gettext(SELF_FUNDING)
    assert message != SELF_FUNDING  # the page speaks Italian
    assert message in unescape(response.content.decode())
    assert with_foundation.budget_lines.count() == 1


def test_a_valid_plan_goes_through_ranking_approval_into_pledges(
    bodies, with_foundation, time_machine
):
    proposal = with_foundation
    # The grant the consortium won from the foundation, and the foundation's own money.
    services.add_budget_line(
        proposal, **_grant_line(bodies, contributor=bodies.consortium, amount="2.500,00")
    )
    services.add_budget_line(
        proposal,
        **_grant_line(bodies, source="OWN_RESOURCES", funder=None, quantity="10", unit_value="50"),
    )
    services.update_proposal(proposal, by=bodies.tom, budget_total=Decimal("13000.00"))
    services.submit_proposal(proposal, by=bodies.tom)
    time_machine.move_to(rome(2026, 4, 2, 9, 0), tick=False)
    call = proposal.procedure
    services.appoint_evaluator(call, by=bodies.alice, user=bodies.eve, is_chair=True)
    services.start_evaluation(call, by=bodies.alice)
    services.declare_interests(call, by=bodies.alice, has_conflict=False)
    services.declare_interests(call, by=bodies.eve, has_conflict=False)
    services.decide_admission(proposal, by=bodies.alice, admit=True, reason="Requisiti ok")
    for criterion, points in zip(call.criteria.all(), ("50", "30"), strict=True):
        services.score_proposal(
            proposal, by=bodies.eve, criterion=criterion, points=points, rationale="Motivato"
        )

    services.approve_ranking(call, by=bodies.alice)

    pledges = LedgerEntry.objects.filter(procedure=call, kind="PLEDGE").order_by("pk")
    assert [(e.contributor, e.source, e.funder, e.amount) for e in pledges] == [
        (bodies.consortium, "OWN_RESOURCES", None, Decimal("10000.00")),
        (bodies.consortium, "FOUNDATION_GRANT", bodies.foundation, Decimal("2500.00")),
        (bodies.foundation, "OWN_RESOURCES", None, Decimal("500.00")),
    ]
