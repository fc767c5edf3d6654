"""The agreement's figures, its parties' dashboard and its public page."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from trama.agreements import figures
from trama.agreements.models import Report

from .support_dashboard import (
    add_indicator,
    add_periods,
    add_report,
    add_tranche,
    entry,
    hand_computed_case,
    large_agreement,
    make_agreement,
    pay,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    """Pages in English (the language switch's choice), as the assertions read them."""

    def sign_in(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return sign_in


@pytest.fixture
def agreement(personas):
    return make_agreement(personas)


def dashboard_url(agreement):
    return reverse("agreements:dashboard", args=[agreement.pk])


def public_url(agreement):
    return reverse("agreements:public", args=[agreement.pk])


def test_it_computes_the_figures_of_a_small_case_by_hand(personas, agreement):
    hand_computed_case(personas, agreement)

    found = figures.resources(agreement)

    assert found.realisation_rate == Decimal("50")  # 15.000 / (20.000 + 10.000)
    assert found.leverage == Decimal("30")  # 30.000 / 100.000
    assert found.multiplier == Decimal("1.3")
    assert found.public_pledged == Decimal("100000")
    assert found.public_paid == Decimal("0")
    assert found.actual_leverage is None  # nothing paid yet: no public money to lever
    partners = {line.organization: line for line in found.partners}
    lead = partners[personas.consortium]
    assert (lead.pledged, lead.accepted, lead.realisation_rate) == (
        Decimal("20000"),
        Decimal("15000"),
        Decimal("75"),
    )
    assert partners[personas.coop].realisation_rate == Decimal("0")
    assert partners[personas.comune].pledged == Decimal("100000")
    assert partners[personas.comune].realisation_rate is None
    assert [(s.code, s.pledged, s.accepted) for s in found.sources] == [
        ("PUBLIC_OWNER", Decimal("100000"), Decimal("0")),
        ("FOUNDATION_GRANT", Decimal("10000"), Decimal("0")),
        ("OWN_RESOURCES", Decimal("20000"), Decimal("15000")),
    ]
    assert [(c.code, c.pledged, c.accepted) for c in found.categories] == [
        ("ECONOMIC", Decimal("20000"), Decimal("15000")),
        ("PROJECT", Decimal("10000"), Decimal("0")),
    ]


def test_it_shows_the_hand_computed_figures_on_the_dashboard(personas, agreement, client_for):
    hand_computed_case(personas, agreement)

    page = client_for(personas.pat).get(dashboard_url(agreement)).content.decode()

    realisation = page.split('data-figure="realisation"')[1].split("</div>")[0]
    leverage = page.split('data-figure="leverage"')[1].split("</div>")[0]
    assert "50,0&nbsp;%" in realisation  # Italian numbers, whatever the language
    assert "30,0&nbsp;%" in leverage and "×&nbsp;1,30" in page


def test_a_contributor_that_is_not_a_party_has_its_own_line(personas, agreement):
    entry(agreement, personas.alice, personas.foundation, "PLEDGE", "PRIVATE_DONATIONS", "5000")

    lines = figures.resources(agreement).partners

    assert [line.label for line in lines] == [
        "Comune di Lecco",
        "Consorzio Lario",
        "Cooperativa Arcobaleno",
        "Fondazione del Lario",
    ]
    assert (lines[-1].role, lines[-1].pledged, lines[-1].realisation_rate) == (
        "",
        Decimal("5000"),
        Decimal("0"),
    )


def test_it_says_no_data_on_an_empty_scope(personas, agreement, client_for):
    found = figures.resources(agreement)
    assert not found.has_data and found.realisation_rate is None and found.leverage is None

    page = client_for(personas.alice).get(dashboard_url(agreement)).content.decode()
    assert 'data-figures="empty"' in page and "No data" in page


def test_payments_are_the_owning_bodys_actuals(personas, agreement, time_machine):
    time_machine.move_to("2026-03-01 10:00+01:00", tick=False)
    hand_computed_case(personas, agreement)
    p1, p2, p3 = add_periods(agreement, 3)
    add_report(p1, Report.State.ACCEPTED, by=personas.tom)
    add_report(p2, Report.State.SUBMITTED, by=personas.tom)
    advance = add_tranche(agreement, personas.consortium, "40000", due_on=p1.starts_on)
    after_first = add_tranche(
        agreement, personas.consortium, "30000", after_period=p1, kind="INTERMEDIATE"
    )
    after_second = add_tranche(
        agreement, personas.consortium, "30000", after_period=p2, kind="BALANCE"
    )
    pay(advance, personas)

    found = figures.resources(agreement)
    assert found.public_paid == Decimal("40000")
    assert found.public_paid_share == Decimal("40.0")
    assert found.actual_leverage == Decimal("37.5")  # 15.000 / 40.000
    cal = figures.calendar(agreement)
    states = {t.tranche: t.state for t in cal.tranches}
    assert states == {advance: "paid", after_first: "due", after_second: "waiting"}
    assert (cal.paid, cal.due, cal.planned) == (
        Decimal("40000"),
        Decimal("30000"),
        Decimal("100000"),
    )
    assert cal.next_tranche.tranche == after_first
    assert cal.next_report.period == p3  # the second report is submitted: the third is next
    assert [row.overdue for row in cal.periods] == [False, False, False]
    # Past the third period's due date without its report, it is overdue.
    later = figures.calendar(agreement, today=p3.due_on + datetime.timedelta(days=1))
    assert [row.overdue for row in later.periods] == [False, False, True]
    assert later.next_report.period == p3 and later.next_report.overdue


def test_indicators_count_accepted_values_and_for_parties_submitted_ones(
    personas, agreement, client_for
):
    p1, p2, p3 = add_periods(agreement, 3)
    r1 = add_report(p1, Report.State.ACCEPTED, by=personas.tom)
    r2 = add_report(p2, Report.State.SUBMITTED, by=personas.tom)
    r3 = add_report(p3, Report.State.DRAFT, by=personas.tom)
    add_indicator(
        agreement,
        [p1, p2, p3],
        targets=["10", "20", "30"],
        values=[(r1, "8"), (r2, "19"), (r3, "25")],
    )

    (parties,) = figures.indicators(agreement, include_submitted=True)
    assert [(p.target, p.value, p.awaiting) for p in parties.points] == [
        (Decimal("10"), Decimal("8"), False),
        (Decimal("20"), Decimal("19"), True),
        (Decimal("30"), None, False),
    ]
    (public,) = figures.indicators(agreement, include_submitted=False)
    assert [p.value for p in public.points] == [Decimal("8"), None, None]
    assert public.latest.period == p1

    def line(page, name):
        points = page.split(f'<polyline class="line-{name}" points="')[1].split('"')[0]
        return [tuple(float(c) for c in pair.split(",")) for pair in points.split()]

    dashboard = client_for(personas.pat).get(dashboard_url(agreement)).content.decode()
    public_page = client_for(None).get(public_url(agreement)).content.decode()
    assert len(line(dashboard, "target")) == 3 and len(line(dashboard, "value")) == 2
    assert 'class="dot-awaiting"' in dashboard
    assert len(line(public_page, "value")) == 1 and 'class="dot-awaiting"' not in public_page
    # Higher values are drawn higher up: 8 (accepted) below 19 (awaiting verification).
    (_x1, y1), (_x2, y2) = line(dashboard, "value")
    assert y1 > y2


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("eve", 200), ("tom", 200), ("pat", 200), ("oscar", 302), ("fiona", 302)],
)
def test_after_signing_parties_and_officers_see_the_dashboard_others_the_public_page(
    personas, agreement, client_for, persona, status
):
    response = client_for(getattr(personas, persona)).get(dashboard_url(agreement))

    assert response.status_code == status
    if status == 302:
        assert response["Location"] == public_url(agreement)
    else:
        assert b"Agreement dashboard" in response.content


def test_anonymous_visitors_are_sent_to_the_public_page(agreement, client_for):
    response = client_for(None).get(dashboard_url(agreement))
    assert response.status_code == 302 and response["Location"] == public_url(agreement)
    assert client_for(None).get(public_url(agreement)).status_code == 200


@pytest.mark.parametrize(
    ("persona", "dashboard", "public"),
    [("alice", 200, 404), ("pat", 200, 404), ("oscar", 404, 404), (None, 404, 404)],
)
def test_before_signing_nothing_is_public(personas, client_for, persona, dashboard, public):
    agreement = make_agreement(personas, signed=False)
    client = client_for(getattr(personas, persona) if persona else None)

    assert client.get(dashboard_url(agreement)).status_code == dashboard
    assert client.get(public_url(agreement)).status_code == public


def test_the_public_page_hides_report_contents_and_small_counts(personas, agreement, client_for):
    hand_computed_case(personas, agreement)
    p1, p2 = add_periods(agreement, 2)
    add_report(
        p1,
        Report.State.ACCEPTED,
        by=personas.tom,
        summary="Accompagnati dodici nuclei familiari.",
        activities="Colloqui con la famiglia Esposito in via Roma.",
        beneficiaries=[("Nuclei familiari", 12), ("Persone senza dimora", 2)],
    )
    add_report(
        p2,
        Report.State.SUBMITTED,
        by=personas.tom,
        summary="Sintesi non ancora verificata.",
        beneficiaries=[("Giovani", 7)],
    )

    page = client_for(personas.oscar).get(public_url(agreement)).content.decode()

    assert "Accompagnati dodici nuclei familiari." in page
    assert "famiglia Esposito" not in page  # activities are the parties' only
    assert "Sintesi non ancora verificata." not in page and "Giovani" not in page
    assert "Persone senza dimora" in page and "fewer than 3" in page
    assert '<td class="num" data-count>2</td>' not in page
    assert '<td class="num" data-count>12</td>' in page
    assert "Comune di Lecco" in page and "Cooperativa Arcobaleno" in page
    assert "VRDTMO80A01E507X" not in page  # representatives' tax codes stay private
    assert "100.000,00" in page  # the public contribution

    dashboard = client_for(personas.pat).get(dashboard_url(agreement)).content.decode()
    assert '<td class="num" data-count>2</td>' in dashboard and "Giovani" in dashboard


def test_the_public_page_is_cached_until_the_agreement_is_bumped(personas, agreement, client_for):
    p1 = add_periods(agreement, 1)[0]
    report = add_report(p1, Report.State.ACCEPTED, by=personas.tom, summary="Prima sintesi.")
    client = client_for(None)
    assert "Prima sintesi." in client.get(public_url(agreement)).content.decode()

    # A queryset update sends no signal: the cached page stays until the service bumps.
    Report.objects.filter(pk=report.pk).update(public_summary="Sintesi corretta.")
    assert "Prima sintesi." in client.get(public_url(agreement)).content.decode()
    figures.bump_agreement(agreement)
    assert "Sintesi corretta." in client.get(public_url(agreement)).content.decode()

    # Saving any of the agreement's rows bumps it too (pages/invalidation.py).
    report.refresh_from_db()
    report.public_summary = "Sintesi definitiva."
    report.save(update_fields=["public_summary"])
    assert "Sintesi definitiva." in client.get(public_url(agreement)).content.decode()


# --- bounded queries --------------------------------------------------------------------


def test_a_large_agreement_renders_with_a_bounded_number_of_queries(
    personas, client_for, django_assert_max_num_queries
):
    agreement = large_agreement(personas)
    client = client_for(personas.alice)
    with django_assert_max_num_queries(18):
        page = client.get(dashboard_url(agreement))
    assert page.status_code == 200
    content = page.content.decode()
    assert content.count("data-contributor=") == 43  # 40 partners, the lead, the coop, the body
    assert "Partner 39" in content
    assert 'data-period="20"' in content

    anonymous = client_for(None)
    with django_assert_max_num_queries(11):
        page = anonymous.get(public_url(agreement))
    assert page.status_code == 200
    assert page.content.decode().count("data-report=") == 10  # the accepted half


# --- links from the procedure and the program ---------------------------------------------


def test_the_call_and_program_pages_link_the_signed_agreement(personas, agreement, client_for):
    procedure = agreement.procedure
    client = client_for(None)
    link = f'href="{public_url(agreement)}"'

    assert link in client.get(procedure.get_absolute_url()).content.decode()
    assert link in client.get(procedure.program.get_absolute_url()).content.decode()


def test_an_agreement_not_yet_signed_is_not_linked(personas, client_for):
    agreement = make_agreement(personas, signed=False)
    procedure = agreement.procedure
    client = client_for(personas.alice)
    link = f'href="{public_url(agreement)}"'

    assert link not in client.get(procedure.get_absolute_url()).content.decode()
    assert link not in client.get(procedure.program.get_absolute_url()).content.decode()
