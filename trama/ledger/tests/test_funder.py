"""A funder's view and the realisation rate, against numbers computed by hand.

fiona administers the verified foundation; alice the Comune di Lecco, which owns both
programs; tom the consortium and the coop.
"""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from trama.conftest import make_org
from trama.ledger import services
from trama.ledger.figures import Basis, Scope, compute_figures
from trama.ledger.funders import AWAITING, CONFIRMED, DISPUTED, funder_view
from trama.ledger.models import Level
from trama.ledger.rebuild import check_rollups
from trama.programs.services import create_program

pytestmark = pytest.mark.django_db
D = Decimal


def record(program, by, contributor, source, amount, kind="ACTUAL", year=2017, **extra):
    return services.record_entry(
        by=by,
        program=program,
        kind=kind,
        category=extra.pop("category", "ECONOMIC"),
        source=source,
        contributor=contributor,
        year=year,
        amount=amount,
        **extra,
    )


@pytest.fixture
def scenario(personas, program):
    """Two programs of the Comune; the foundation's grants in both, in every state."""
    p = personas
    other_funder = make_org(
        "Fondazione Cariplo", by=p.sam, kind="FUNDER", tax_code="02000070132", verified=True
    )
    housing = create_program(
        by=p.alice, owner=p.comune, title="Abitare solidale", start_year=2016, end_year=2020
    )

    def grant(prog, amount, *, funder=p.foundation, verify=True, **extra):
        entry = record(prog, p.tom, p.coop, "FOUNDATION_GRANT", amount, funder=funder, **extra)
        if verify and entry.kind == "ACTUAL":
            services.verify_entry(entry, by=p.alice, accept=True)
        return entry

    # Program "Welfare comunitario": public 1000, own resources 200 and grants.
    record(program, p.alice, p.comune, "PUBLIC_OWNER", "1000.00")
    record(program, p.alice, p.comune, "PUBLIC_OWNER", "5000.00", kind="PLEDGE")
    record(program, p.alice, p.consortium, "OWN_RESOURCES", "200.00")
    confirmed = grant(program, "300.00")
    services.confirm_grant(confirmed, by=p.fiona, confirmed=True)
    disputed = grant(program, "60.00")
    services.confirm_grant(disputed, by=p.fiona, confirmed=False, reason="Mai erogato")
    wrong = grant(program, "999.00")
    services.reverse_entry(wrong, by=p.tom, reason="Importo sbagliato")
    grant(program, "400.00", kind="PLEDGE", year=2018)
    record(program, p.tom, p.consortium, "OWN_RESOURCES", "250.00", kind="PLEDGE")
    # Program "Abitare solidale": public 500, a grant of another funder, ours still pending.
    record(housing, p.alice, p.comune, "PUBLIC_OWNER", "500.00")
    grant(housing, "50.00", funder=other_funder)
    grant(housing, "100.00", verify=False)
    return {"welfare": program, "housing": housing, "other_funder": other_funder}


def test_the_funder_scope_against_hand_computed_figures(personas, scenario):
    view = funder_view(personas.foundation)
    # Its grants alone (the roll-ups' funder level): accepted 300 (the 60 disputed and the
    # 999 reversed are out), 100 still awaiting verification, 400 pledged.
    grants = view.grants
    assert grants.additional == D("300.00") and grants.accepted == D("300.00")
    assert grants.pending == D("100.00") and grants.disputed == D("60.00")
    assert grants.pledged == D("400.00") and grants.public == D("0.00")
    # Realisation of its grants: 300 accepted / 400 pledged = 75 %.
    assert grants.realisation_rate == D("75.000000")
    # The programs its grants are part of, with their own figures (accepted actuals):
    # Welfare: P = 1000, A = 200 own + 300 grant = 500 → 50 %.
    # Abitare: P = 500, A = 50 (the other funder's grant; ours is pending) → 10 %.
    rows = {row.program.title: row for row in view.programs}
    assert set(rows) == {"Welfare comunitario", "Abitare solidale"}
    welfare, housing = rows["Welfare comunitario"], rows["Abitare solidale"]
    assert (welfare.public, welfare.additional, welfare.grants) == (
        D("1000.00"),
        D("500.00"),
        D("300.00"),
    )
    assert welfare.leverage == D("50.000000")
    assert (housing.public, housing.additional, housing.grants) == (
        D("500.00"),
        D("50.00"),
        D("0.00"),
    )
    assert housing.leverage == D("10.000000")
    # Together: A / P = 550 / 1500 = 36.666667 %; (1500 + 550) / 1500 = 1.366667.
    assert view.public == D("1500.00") and view.additional == D("550.00")
    assert view.leverage == D("36.666667") and view.multiplier == D("1.366667")
    # Its grants by its word, pledges and actuals apart; the reversed 999 is nowhere.
    confirmed, awaiting, disputed = (view.state(s) for s in (CONFIRMED, AWAITING, DISPUTED))
    assert (confirmed.actual, confirmed.actuals, confirmed.pledged) == (D("300.00"), 1, 0)
    assert (awaiting.actual, awaiting.actuals) == (D("100.00"), 1)
    assert (awaiting.pledged, awaiting.pledges) == (D("400.00"), 1)
    assert (disputed.actual, disputed.actuals) == (D("60.00"), 1)
    # Pledged basis: the programs' public pledges (5000) are public, not additional.
    pledged = funder_view(personas.foundation, basis=Basis.PLEDGED)
    assert pledged.grants.additional == D("400.00")
    assert rows["Welfare comunitario"].program in [row.program for row in pledged.programs]
    assert pledged.public == D("5000.00") and pledged.additional == D("650.00")
    # Years narrow it: only 2018 holds the pledge.
    only_2018 = funder_view(personas.foundation, year_from=2018)
    assert only_2018.grants.pledged == D("400.00") and only_2018.grants.accepted == D("0.00")
    assert check_rollups().ok


def test_the_realisation_rate_is_accepted_additional_over_pledged_additional(personas, scenario):
    figures = compute_figures(Scope(Level.PROGRAM, scenario["welfare"].pk))
    # Accepted actual additional resources: 200 own + 300 grant = 500 (the disputed 60 and
    # the reversed 999 are not accepted). Pledged additional: 400 grant + 250 own = 650; the
    # Comune's 5000 public pledge is not additional. 500 / 650 = 76.923077 %.
    # (The former rule, actuals only where a pledge of the same source, category and year
    # sits, over every pledge, public ones included, gave 200 / 5650 = 3.5 %.)
    assert figures.accepted_additional == D("500.00")
    assert figures.pledged_additional == D("650.00")
    assert figures.realisation_rate == D("76.923077")
    # The basis shown does not change it.
    pledged = compute_figures(Scope(Level.PROGRAM, scenario["welfare"].pk), basis=Basis.PLEDGED)
    assert pledged.realisation_rate == D("76.923077")


def test_the_realisation_rate_can_exceed_one_hundred_percent(personas, program):
    p = personas
    record(program, p.alice, p.consortium, "OWN_RESOURCES", "100.00", kind="PLEDGE")
    record(program, p.alice, p.consortium, "OWN_RESOURCES", "150.00", category="PROJECT")
    record(program, p.alice, p.coop, "PRIVATE_DONATIONS", "50.00", year=2019)
    # 150 + 50 brought (any category, year or contributor) over 100 pledged = 200 %.
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.realisation_rate == D("200.000000")


def test_an_inverted_year_range_is_refused(program):
    with pytest.raises(ValidationError) as refused:
        compute_figures(Scope(Level.PROGRAM, program.pk), year_from=2019, year_to=2017)
    assert refused.value.error_dict["year_to"][0].code == "years_inverted"


def page(response) -> str:
    return unescape(response.content.decode())


def test_the_foundation_pages_show_what_its_grants_are_part_of(
    personas, scenario, client, django_assert_max_num_queries
):
    foundation = personas.foundation
    with django_assert_max_num_queries(14):
        public = page(client.get(foundation.get_absolute_url()))
    assert 'data-section="funder-view"' in public
    assert 'data-program="welfare-comunitario"' in public
    assert 'data-program="abitare-solidale"' in public
    leverage = re.search(r'data-figure="leverage".*?</div>', public, re.S).group(0)
    assert "36,7\xa0%" in leverage  # 36.666667 % rounded for display
    assert re.search(r'data-state="awaiting".*?400,00\xa0€.*?100,00\xa0€', public, re.S)
    dashboard = page(client.get(reverse("ledger:organization", args=[foundation.slug])))
    assert 'data-figures="empty"' not in dashboard
    assert 'data-funder-figures="ACCEPTED"' in dashboard and "300,00\xa0€" in dashboard
    # A body that is not a funder has no such section.
    assert 'data-section="funder-view"' not in page(client.get(personas.coop.get_absolute_url()))


def test_the_funder_queue_groups_by_program_filters_and_orders(
    personas, scenario, client_for, django_assert_max_num_queries
):
    p = personas
    welfare, housing = scenario["welfare"], scenario["housing"]
    many = [
        record(welfare, p.tom, p.coop, "FOUNDATION_GRANT", f"{i + 1}.00", funder=p.foundation)
        for i in range(55)
    ]
    client = client_for(p.fiona)
    queue = reverse("ledger:funder_queue")
    with django_assert_max_num_queries(12):
        first = page(client.get(queue))

    def rows(html):
        return [int(pk) for pk in re.findall(r'<tr id="grant-row-(\d+)"', html)]

    def programs(html):
        return re.findall(r'<section aria-labelledby="program-\d+" data-program="([\w-]+)"', html)

    # One table per program (by title), oldest first inside each; 50 a page.
    assert programs(first) == ["abitare-solidale", "welfare-comunitario"]
    assert len(rows(first)) == 50
    welfare_rows = rows(first.split('data-program="welfare-comunitario"')[1])
    assert welfare_rows == sorted(welfare_rows) and many[0].pk in welfare_rows
    newest = page(client.get(queue, {"order": "newest", "program": "welfare-comunitario"}))
    assert programs(newest) == ["welfare-comunitario"]
    assert rows(newest)[:3] == [many[-1].pk, many[-2].pk, many[-3].pk]
    disputed = page(client.get(queue, {"state": "disputed"}))
    assert len(rows(disputed)) == 1
    in_2018 = page(client.get(queue, {"year": 2018}))
    assert len(rows(in_2018)) == 1  # the 400 pledge
    assert programs(page(client.get(queue, {"program": housing.slug}))) == ["abitare-solidale"]


def test_the_figures_export_refuses_an_inverted_range(program, client):
    export = reverse("ledger:entries_export", args=[program.slug, "csv"])
    response = client.get(export, {"view": "figures", "year_from": 2019, "year_to": 2017})
    assert response.status_code == 400 and "2017" in response.content.decode()
