from decimal import Decimal

import pytest
from django.test import override_settings

from trama.demo.load import load_demo
from trama.ledger.figures import Scope, compute_figures
from trama.ledger.models import LedgerEntry, Level
from trama.organizations.models import Organization
from trama.procedures.models import Clarification, ProposalPartner
from trama.programs.models import Program

pytestmark = pytest.mark.django_db


@override_settings(DEMO_MODE=True)
def test_the_demo_reproduces_the_lecco_figures_and_loads_once():
    load_demo()
    entries = LedgerEntry.objects.count()
    load_demo()
    assert LedgerEntry.objects.count() == entries
    assert Organization.objects.count() == 12

    program = Program.objects.get(slug="welfare-comunitario-ambito-di-lecco")
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.public == Decimal("41000000.00")
    assert figures.additional == Decimal("9000000.00")
    assert figures.by_source["FOUNDATION_GRANT"] == Decimal("6000000.00")
    assert figures.by_source["OWN_RESOURCES"] == Decimal("3000000.00")
    assert figures.leverage == Decimal("22.0") and figures.multiplier == Decimal("1.22")
    # The network grows from the first call to the third.
    calls = program.procedures.order_by("opened_on")
    sizes = [len(compute_figures(Scope(Level.PROCEDURE, c.pk)).by_contributor) for c in calls]
    assert sizes == [1, 4, 6]
    # Work waiting for the demo accounts: one actual to verify.
    assert figures.pending == Decimal("25000.00")
    # …a draft proposal whose partner has not confirmed yet, and a question for the RUP.
    assert ProposalPartner.objects.filter(confirmed_at__isnull=True, role="PARTNER").count() == 1
    assert Clarification.objects.filter(answered_at__isnull=True).count() == 1
