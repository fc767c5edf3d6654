import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

from trama.agreements.models import Agreement
from trama.community.access import can_facilitate, is_moderator
from trama.community.models import Member, Topic
from trama.community.whatsnew.news import whats_new
from trama.demo.community import MEMBERS as COMMUNITY_MEMBERS
from trama.demo.community import TOPICS as COMMUNITY_TOPICS
from trama.demo.load import load_demo
from trama.ledger.figures import Scope, compute_figures
from trama.ledger.funders import AWAITING, funder_view
from trama.ledger.models import LedgerEntry, Level
from trama.ledger.rebuild import check_rollups
from trama.opendata.transparency import art27
from trama.organizations.models import Organization
from trama.organizations.shares import table_on
from trama.pages.tasks import standing_of, task_groups
from trama.partnerships import network
from trama.partnerships.models import Partnership
from trama.partnerships.territory import resolve, timeline
from trama.procedures.models import Clarification, Procedure, ProposalPartner
from trama.programs.models import Program

pytestmark = pytest.mark.django_db
User = get_user_model()


@override_settings(DEMO_MODE=True)
def test_the_demo_reproduces_the_lecco_figures_and_loads_once():
    load_demo()
    entries = LedgerEntry.objects.count()
    load_demo()
    assert LedgerEntry.objects.count() == entries
    assert Organization.objects.count() == 13
    # The community: its topics and members, once; the RUP moderates, the consortium facilitates.
    assert Topic.objects.count() == len(COMMUNITY_TOPICS)
    assert Member.objects.count() == len(COMMUNITY_MEMBERS)
    assert is_moderator(User.objects.get(email="rup@demo.trama.it"))
    volunteering = Topic.objects.get(name="Valorizzare il volontariato")
    assert can_facilitate(User.objects.get(email="ets@demo.trama.it"), volunteering)
    # What's new: the coordinator, who asked for the weekly digest, finds the demo's week.
    chiara = Member.objects.get(user__email="ets@demo.trama.it", weekly_digest=True)
    news = whats_new(chiara, timezone.now() - datetime.timedelta(days=7))
    assert {s.kind for s in news.sections if s.items} >= {"practice", "event", "thread"}

    program = Program.objects.get(slug="welfare-comunitario-ambito-di-lecco")
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.public == Decimal("41000000.00")
    assert figures.additional == Decimal("9000000.00")
    assert figures.by_source["FOUNDATION_GRANT"] == Decimal("6000000.00")
    assert figures.by_source["OWN_RESOURCES"] == Decimal("3000000.00")
    # 9 M / 41 M = 21.951220 % (≈ 22 %); 50 M / 41 M = 1.219512 (≈ 1.22).
    assert figures.leverage == Decimal("21.951220") and figures.multiplier == Decimal("1.219512")
    # Realisation, as DESIGN.md defines it: accepted actual additional resources (9 M) over
    # pledged additional ones (the third call's own resources, 4 years × 6 bodies × 60.000 =
    # 1.440.000, and the consortium's 2018 grant pledge, 120.000: 1.560.000) = 576.923077 %.
    assert figures.pledged_additional == Decimal("1560000.00")
    assert figures.realisation_rate == Decimal("576.923077")
    # The network grows from the first call to the third.
    calls = program.procedures.filter(kind="CO_DESIGN").order_by("opened_on")
    sizes = [len(compute_figures(Scope(Level.PROCEDURE, c.pk)).by_contributor) for c in calls]
    assert sizes == [1, 4, 6]
    # Work waiting for the demo accounts: one actual to verify.
    assert figures.pending == Decimal("25000.00")
    # …a draft proposal whose partner has not confirmed yet, and a question for the RUP.
    assert ProposalPartner.objects.filter(confirmed_at__isnull=True, role="PARTNER").count() == 1
    assert Clarification.objects.filter(answered_at__isnull=True).count() == 1
    # The demo funder sees what its grants are part of: 21 actual grants and the 2018 pledge
    # await its word in the Lecco program, and the demo agreement's grant in its own.
    funder = funder_view(Organization.objects.get(name="Fondazione Comunitaria del Lario"))
    housing = Program.objects.get(slug="abitare-insieme-lecco")
    assert [row.program for row in funder.programs] == [housing, program]
    assert funder.grants.additional == Decimal("3574999.98")
    # …and the pledges: the 2018 one and the demo agreement's grant.
    assert (funder.state(AWAITING).actuals, funder.state(AWAITING).pledges) == (21, 2)
    # The evaluator sits on the commission of a closed call with one proposal received: the
    # declaration on conflicts of interest waits for them.
    closed = Procedure.objects.get(state="CLOSED", commission__user__email=EVALUATOR)
    assert closed.proposals.received().count() == 1
    evaluator = User.objects.get(email=EVALUATOR)
    kinds = {task.kind for group in task_groups(standing_of(evaluator)) for task in group.tasks}
    assert "declaration" in kinds
    # A co-design carried through the table and the agreement into co-production: signed by
    # its three parties, the advance paid, report 1 accepted and report 2 to verify.
    agreement = Agreement.objects.get(procedure__program=housing)
    assert agreement.procedure.state == Procedure.State.IN_PROGRESS
    assert agreement.in_force.signed_copies.count() == 3
    assert [r.state for r in agreement.reports.order_by("period__number")] == [
        "ACCEPTED",
        "SUBMITTED",
    ]
    assert agreement.tranches.filter(payment__isnull=False).count() == 1
    # The Comune's art. 27 list for the year of the signature: the consortium's contribution,
    # the advance paid.
    year = timezone.localdate(agreement.signed_at).year
    [row] = art27.rows(art27.parties(agreement.procedure.owner, year))
    assert (row.beneficiary, row.amount, row.paid) == (
        "Consorzio Lario Cooperative Sociali",
        Decimal("180000.00"),
        Decimal("60000.00"),
    )
    assert check_rollups().ok
    # The networks' roll-ups, kept on every write of the demo, equal their rebuild.
    assert network.check() == {"members_differing": 0, "steps_differing": 0}
    _the_lecco_path(program)


def _the_lecco_path(program):
    """The seed's story, told by the program's timeline: three calls, the network growing
    from one consortium to six bodies, the tender for the private partners, and the social
    enterprise of December 2018 with private members at 51 %, after 9 M€ (+22 %)."""
    story = timeline(resolve(f"program:{program.slug}"))
    rows = [
        (s.day.isoformat(), s.kind, s.network, s.public, s.additional, s.leverage)
        for s in story.steps
    ]
    m = Decimal
    assert rows == [
        ("2006-01-01", "program", 0, m("0"), m("0"), None),
        ("2006-03-01", "call", 1, m("0"), m("0"), None),
        ("2006-09-01", "partnership", 1, m("0"), m("0"), None),
        # 2008–2010: 3 × 4.1 M public; grants 300+400+450 k and own 150+200+220 k.
        ("2010-03-01", "call", 4, m("12300000.00"), m("1720000.00"), m("13.983740")),
        # 2008–2014: 7 × 4.1 M; grants 3.5 M and own resources 1.75 M.
        ("2014-03-01", "call", 6, m("28700000.00"), m("5250000.00"), m("18.292683")),
        ("2018-03-01", "tender", 6, m("41000000.00"), m("9000000.00"), m("21.951220")),
        ("2018-12-14", "institution", 6, m("41000000.00"), m("9000000.00"), m("21.951220")),
    ]
    assert [s.has_data for s in story.steps] == [False] * 3 + [True] * 4
    # Each call with its Third-Sector bodies and those new to the network there.
    assert [(s.taking_part, s.new) for s in story.steps if s.kind == "call"] == [
        (1, 1),
        (4, 3),
        (6, 2),
    ]
    # Year by year, 2006 to 2018: the network and the resources at each year's end.
    years = {y.year: (y.network, y.additional) for y in story.years}
    assert min(years) == 2006 and max(years) == 2018
    # 2008–2009: grants 300+400 k, own 150+200 k; the cooperatives come with the 2010 call.
    assert years[2009] == (1, m("1050000.00")) and years[2018] == (6, m("9000000.00"))
    institution = Partnership.objects.get(kind="INSTITUTIONAL")
    assert institution.grew_from.program == program
    table = table_on(institution.entity, datetime.date(2018, 12, 31))
    assert (table.public_share, table.private_share) == (m("49.00"), m("51.00"))
    assert table_on(institution.entity, datetime.date(2018, 12, 13)).act is None


EVALUATOR = "valutatore@demo.trama.it"
