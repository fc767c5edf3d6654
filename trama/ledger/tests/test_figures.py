from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from trama.conftest import make_org
from trama.ledger import figures as figures_module
from trama.ledger import services
from trama.ledger.figures import Basis, Scope, compute_figures
from trama.ledger.measure import with_events
from trama.ledger.models import ContributorTotal, LedgerEntry, LedgerTotal, Level, Measure
from trama.ledger.rebuild import check_rollups
from trama.organizations.models import Organization
from trama.territories.models import Municipality

pytestmark = pytest.mark.django_db
D = Decimal


def _record(personas, program, by, contributor, source, amount, kind="ACTUAL", year=2017, **kw):
    return services.record_entry(
        by=by,
        program=program,
        kind=kind,
        category=kw.pop("category", "ECONOMIC"),
        source=source,
        contributor=contributor,
        year=year,
        amount=amount,
        **kw,
    )


def test_figures_match_a_hand_computed_example(personas, program, educator_rate):
    p = personas
    # Public money of the owner, recorded by its officer: accepted at once.
    _record(p, program, p.alice, p.comune, "PUBLIC_OWNER", "1000.00")
    # Own resources of the consortium: pending until the Comune verifies.
    own = _record(p, program, p.tom, p.consortium, "OWN_RESOURCES", "150.00")
    # Volunteer hours valued at the reference rate: 10 h × 22.50 = 225.00.
    hours = services.record_entry(
        by=p.tom,
        program=program,
        kind="ACTUAL",
        category="PROFESSIONAL",
        source="OWN_RESOURCES",
        contributor=p.coop,
        year=2018,
        quantity="10",
        rate=educator_rate,
    )
    assert hours.amount == D("225.00") and "Educatore" in hours.valuation_note
    # A grant won by the coop from the foundation.
    grant = _record(
        p,
        program,
        p.tom,
        p.coop,
        "FOUNDATION_GRANT",
        "500.00",
        funder=p.foundation,
        grant_reference="Bando Welfare 2017",
    )
    # A rejected actual and a pledge.
    bad = _record(p, program, p.tom, p.consortium, "OWN_RESOURCES", "70.00")
    _record(p, program, p.tom, p.consortium, "OWN_RESOURCES", "2000.00", kind="PLEDGE")

    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.public == D("1000.00") and figures.additional == D("0.00")
    assert figures.leverage == D("0")
    assert figures.pending == D("945.00")

    for entry in (own, hours, grant):
        services.verify_entry(entry, by=p.alice, accept=True)
    services.verify_entry(bad, by=p.alice, accept=False, reason="Nessuna pezza d'appoggio")
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.additional == D("875.00")
    # Unrounded (6 places): 875 / 1000 = 87.5 %, (1000 + 875) / 1000 = 1.875.
    assert figures.leverage == D("87.500000") and figures.multiplier == D("1.875000")
    assert figures.by_source == {
        "PUBLIC_OWNER": D("1000.00"),
        "FOUNDATION_GRANT": D("500.00"),
        "OWN_RESOURCES": D("375.00"),
    }
    assert figures.by_category == {"ECONOMIC": D("650.00"), "PROFESSIONAL": D("225.00")}
    assert figures.rejected == D("70.00") and figures.pending == D("0.00")
    assert figures.pledged == D("2000.00")
    # Accepted actual additional resources (150 own + 225 hours + 500 grant = 875) over the
    # pledged additional ones (2000), whatever their source, category or year: 43.75 %.
    assert figures.realisation_rate == D("43.750000")
    assert [(o.name, a) for o, a in figures.by_contributor] == [
        ("Cooperativa Arcobaleno", D("725.00")),
        ("Consorzio Lario", D("150.00")),
    ]
    assert figures.total == figures.accepted == D("1875.00")
    assert figures.by_year == [
        (2017, D("1000"), D("0"), D("650")),
        (2018, D("0"), D("0"), D("225")),
    ]
    assert (figures.others, figures.others_count) == (D("0"), 0)

    # The funder disputes the grant: it leaves the accepted figures until resolved.
    services.confirm_grant(grant, by=p.fiona, confirmed=False, reason="Importo diverso")
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.additional == D("375.00") and figures.disputed == D("500.00")
    services.confirm_grant(grant, by=p.fiona, confirmed=True)
    assert compute_figures(Scope(Level.PROGRAM, program.pk)).additional == D("875.00")

    # A correction reverses an entry; the figures drop and the entry stays.
    services.reverse_entry(own, by=p.tom, reason="Importo registrato due volte")
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.additional == D("725.00")
    assert [(o.name, a) for o, a in figures.by_contributor] == [
        ("Cooperativa Arcobaleno", D("725.00"))
    ]
    # Pledges are a basis of their own, never mixed.
    pledged = compute_figures(Scope(Level.PROGRAM, program.pk), basis=Basis.PLEDGED)
    assert pledged.additional == D("2000.00") and pledged.public == D("0.00")
    assert pledged.leverage is None and pledged.multiplier is None
    # Years narrow the figures: 2018 has in-kind hours and no public money.
    only_2018 = compute_figures(Scope(Level.PROGRAM, program.pk), year_from=2018)
    assert only_2018.public == D("0") and only_2018.additional == D("225.00")
    assert only_2018.leverage is None and only_2018.year_from == 2018
    # The same figures at every level that contains the program.
    region = personas.comune.municipality.province.region_id
    for scope in (Scope(Level.OWNER, p.comune.pk), Scope(Level.REGION, region), Scope.country()):
        assert compute_figures(scope).additional == D("725.00")
    assert compute_figures(Scope(Level.CONTRIBUTOR, p.coop.pk)).additional == D("725.00")
    assert check_rollups().ok


def test_an_empty_scope_has_no_data_not_zero_percent(program):
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert not figures.has_data
    assert figures.leverage is None and figures.multiplier is None
    assert figures.realisation_rate is None


def test_other_public_funds_are_kept_apart(personas, program):
    region = make_org(
        "Regione Lombardia",
        by=personas.sam,
        kind="PUBLIC_BODY",
        tax_code="12874720159",
        municipality="Milano (MI)",
    )
    _record(personas, program, personas.alice, personas.comune, "PUBLIC_OWNER", "100.00")
    _record(personas, program, personas.alice, region, "OTHER_PUBLIC", "40.00")
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.public == D("100.00") and figures.other_public == D("40.00")
    assert figures.additional == D("0.00") and figures.leverage == D("0.0")


@pytest.mark.parametrize(
    "source, contributor, extra, code",
    [
        ("PUBLIC_OWNER", "consortium", {}, "public_owner_only"),
        ("OWN_RESOURCES", "comune", {}, "additional_not_public"),
        ("FOUNDATION_GRANT", "coop", {}, "funder_required"),
        ("FOUNDATION_GRANT", "coop", {"funder": "consortium"}, "not_a_funder"),
        ("OWN_RESOURCES", "coop", {"year": 2015}, "year_outside_program"),
        ("OWN_RESOURCES", "coop", {"amount": "-5"}, "not_positive"),
        ("OWN_RESOURCES", "coop", {"amount": "0"}, "not_positive"),
        ("OWN_RESOURCES", "coop", {"amount": "10.005"}, "too_many_decimals"),
        ("OWN_RESOURCES", "coop", {"amount": "dieci"}, "invalid_number"),
    ],
)
def test_it_refuses_what_does_not_count_and_saves_nothing(
    personas, program, source, contributor, extra, code
):
    if "funder" in extra:
        extra["funder"] = getattr(personas, extra["funder"])
    kwargs = {"amount": "10.00", "year": 2017, **extra}
    with pytest.raises(ValidationError) as exc:
        services.record_entry(
            by=personas.alice,
            program=program,
            kind="ACTUAL",
            category="ECONOMIC",
            source=source,
            contributor=getattr(personas, contributor),
            **kwargs,
        )
    codes = [e.code for errors in exc.value.error_dict.values() for e in errors]
    assert code in codes
    assert not LedgerEntry.objects.exists()
    assert compute_figures(Scope(Level.PROGRAM, program.pk)).entries == 0


def test_in_kind_needs_quantity_and_a_rate(personas, program):
    with pytest.raises(ValidationError) as exc:
        services.record_entry(
            by=personas.tom,
            program=program,
            kind="PLEDGE",
            category="PROFESSIONAL",
            source="OWN_RESOURCES",
            contributor=personas.coop,
            year=2017,
            quantity="10",
            unit="HOUR",
        )
    assert "unit_value" in exc.value.error_dict


def test_reversals_and_verifications_are_checked(personas, program):
    entry = _record(personas, program, personas.tom, personas.coop, "OWN_RESOURCES", "10.00")
    reversal = services.reverse_entry(entry, by=personas.tom, reason="Errore")
    with pytest.raises(ValidationError) as exc:
        services.reverse_entry(reversal, by=personas.tom, reason="Errore")
    assert exc.value.code == "reversal_of_reversal"
    with pytest.raises(ValidationError) as exc:
        services.reverse_entry(entry, by=personas.tom, reason="Ancora")
    assert exc.value.code == "already_reversed"
    other = _record(personas, program, personas.tom, personas.coop, "OWN_RESOURCES", "20.00")
    services.verify_entry(other, by=personas.alice, accept=True)
    with pytest.raises(ValidationError) as exc:
        services.verify_entry(other, by=personas.eve, accept=False, reason="No")
    assert exc.value.code == "already_verified"


def test_only_the_verified_owner_verifies(personas, program):
    entry = _record(personas, program, personas.tom, personas.coop, "OWN_RESOURCES", "10.00")
    for outsider in (personas.tom, personas.oscar, personas.fiona):
        with pytest.raises(PermissionDenied):
            services.verify_entry(entry, by=outsider, accept=True)
    personas.comune.verified_at = None
    personas.comune.save(update_fields=["verified_at"])
    with pytest.raises(PermissionDenied):
        services.verify_entry(entry, by=personas.alice, accept=True)


def test_outsiders_cannot_record_for_a_body(personas, program):
    with pytest.raises(PermissionDenied):
        _record(personas, program, personas.oscar, personas.coop, "OWN_RESOURCES", "10.00")


@pytest.mark.parametrize(
    "extra",
    [
        {"quantity": "99999999999", "unit_value": "1.00", "unit": "HOUR"},
        {"quantity": "1000000", "unit_value": "10000000", "unit": "HOUR"},
        {"amount": "1000000000000"},
    ],
)
def test_oversized_amounts_are_refused_not_crashed(personas, program, extra):
    with pytest.raises(ValidationError) as exc:
        services.record_entry(
            by=personas.tom,
            program=program,
            kind="PLEDGE",
            category="ECONOMIC",
            source="OWN_RESOURCES",
            contributor=personas.coop,
            year=2017,
            **extra,
        )
    assert "too_large" in [e.code for errors in exc.value.error_dict.values() for e in errors]


def test_a_reversal_shows_the_state_of_the_entry_it_cancels(personas, program):
    entry = _record(personas, program, personas.tom, personas.coop, "OWN_RESOURCES", "10.00")
    services.verify_entry(entry, by=personas.alice, accept=True)
    reversal = services.reverse_entry(entry, by=personas.tom, reason="Doppio")
    assert (
        with_events(LedgerEntry.objects.filter(pk=reversal.pk)).get().verification_status
        == "ACCEPTED"
    )


def test_a_batch_is_all_or_nothing_and_counts_like_single_writes(personas, program):
    good = {
        "kind": "ACTUAL",
        "category": "ECONOMIC",
        "source": "OWN_RESOURCES",
        "contributor": personas.coop,
        "year": 2017,
        "amount": "10.00",
    }
    bad = {**good, "amount": "-1"}
    with pytest.raises(services.RowErrors) as exc:
        services.record_entries(by=personas.alice, program=program, rows=[good, bad, good, bad])
    assert [index for index, _error in exc.value.rows] == [1, 3]
    assert not LedgerEntry.objects.exists()
    with pytest.raises(PermissionDenied):
        services.record_entries(by=personas.tom, program=program, rows=[good])
    recorded = services.record_entries(
        by=personas.alice,
        program=program,
        rows=[
            good,
            {**good, "kind": "PLEDGE", "amount": "30.00"},
            {**good, "source": "PUBLIC_OWNER", "contributor": personas.comune, "amount": "100"},
        ],
    )
    assert recorded == 3
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.additional == D("10.00") and figures.public == D("100.00")
    assert figures.pledged == D("30.00") and figures.leverage == D("10.0")
    assert check_rollups().ok


def test_only_a_verified_funder_confirms(personas, program):
    fake = make_org("Fondazione Omonima", by=personas.oscar, kind="FUNDER", tax_code="00166130138")
    grant = _record(
        personas, program, personas.tom, personas.coop, "FOUNDATION_GRANT", "50.00", funder=fake
    )
    with pytest.raises(PermissionDenied):
        services.confirm_grant(grant, by=personas.oscar, confirmed=False, reason="Non è nostro")


def _country_ranking_rows(region_id, amounts_by_year):
    """Roll-up rows of the country, all in one region: {year: [amount of contributor 0, 1, …]}."""

    widest = max(len(amounts) for amounts in amounts_by_year.values())
    town = Municipality.objects.filter(province__region_id=region_id).first()
    bodies = Organization.objects.bulk_create(
        Organization(
            name=f"Cooperativa {i:03}",
            slug=f"coop-ranking-{i:03}",
            kind=Organization.Kind.THIRD_SECTOR,
            legal_form="COOP_SOCIALE",
            municipality=town,
        )
        for i in range(widest)
    )
    ContributorTotal.objects.bulk_create(
        ContributorTotal(
            level=Level.COUNTRY,
            scope_id=0,
            contributor=bodies[i],
            measure=Measure.ACCEPTED,
            additional=True,
            year=year,
            amount=Decimal(amount),
            entries=1,
        )
        for year, amounts in amounts_by_year.items()
        for i, amount in enumerate(amounts)
        if amount
    )
    LedgerTotal.objects.bulk_create(
        LedgerTotal(
            level=Level.REGION,
            scope_id=region_id,
            measure=Measure.ACCEPTED,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=year,
            amount=Decimal(sum(amounts)),
            entries=len(amounts),
        )
        for year, amounts in amounts_by_year.items()
    )
    return bodies


@pytest.mark.parametrize("shape", ["skewed", "flat"])
def test_a_year_range_ranking_of_the_country_is_exact(personas, shape):
    """The country's ranking over years comes from each year's leaders: it must equal a full sum."""

    region_id = personas.comune.municipality.province.region_id
    n = 160
    if shape == "skewed":
        # Big contributors dominate: the leaders of each year settle the top 20.
        amounts = {
            2017: [10_000 - 50 * i for i in range(n)],
            2018: [9_000 - 40 * i for i in range(n)],
            2019: [(i * 37) % 500 + 1 for i in range(n)],
        }
    else:
        # Everyone brings the same over the two years, in a different order each year: the
        # leaders can't prove a top 20, and the ranking falls back to summing everyone.
        amounts = {
            2017: [1_000 for i in range(n)],
            2018: [1_000 + i % 3 for i in range(n)],
            2019: [1_002 - i % 3 for i in range(n)],
        }
    bodies = _country_ranking_rows(region_id, amounts)
    expected = sorted(
        ((sum(amounts[y][i] for y in (2018, 2019)), bodies[i].pk) for i in range(n)),
        key=lambda t: (-t[0], t[1]),
    )[:20]
    figures = compute_figures(Scope.country(), year_from=2018, year_to=2019)
    assert [(amount, org.pk) for org, amount in figures.by_contributor] == expected
    assert figures.others_count == n - 20
    assert figures.others == figures.additional - sum(total for total, _pk in expected)
    rows = ContributorTotal.objects.filter(
        level=Level.COUNTRY, scope_id=0, measure=Measure.ACCEPTED, additional=True
    )
    ranked = figures_module._ranked_over_years(rows, [2018, 2019])
    if shape == "skewed":
        assert ranked is not None, "the leaders should have proved the top 20"
        top, count = ranked
        assert [(row["total"], row["contributor"]) for row in top] == expected
        assert count == n
    else:
        assert ranked is None
    top, count = figures_module._summed_over_years(rows, 2018, 2019)
    assert [(row["total"], row["contributor"]) for row in top] == expected
    assert count == n


def test_the_same_figures_hold_at_every_level_that_contains_the_program(personas, program):
    from trama.procedures.services import record_historical_procedure

    procedure = record_historical_procedure(
        by=personas.alice, program=program, title="Primo avviso", kind="CO_DESIGN"
    )
    p = personas
    _record(p, program, p.alice, p.comune, "PUBLIC_OWNER", "400.00", procedure=procedure)
    _record(p, program, p.alice, p.coop, "OWN_RESOURCES", "100.00", procedure=procedure)
    province = p.comune.municipality.province
    for scope in (
        Scope(Level.PROCEDURE, procedure.pk),
        Scope(Level.PROGRAM, program.pk),
        Scope(Level.OWNER, p.comune.pk),
        Scope(Level.PROVINCE, province.pk),
        Scope(Level.REGION, province.region_id),
        Scope.country(),
    ):
        figures = compute_figures(scope)
        assert (figures.public, figures.additional) == (D("400.00"), D("100.00")), scope
        assert figures.leverage == D("25.0") and figures.has_data
        assert [(o, a) for o, a in figures.by_contributor] == [(p.coop, D("100.00"))]
    # A contributor's own figures: what it brought, with no public money to compare with.
    mine = compute_figures(Scope(Level.CONTRIBUTOR, p.coop.pk))
    assert (mine.public, mine.additional) == (D("0"), D("100.00"))
    assert mine.leverage is None and mine.has_data


def test_the_twenty_largest_contributors_are_named_and_the_others_summed(personas, program):
    from trama.organizations.models import Organization

    bodies = Organization.objects.bulk_create(
        Organization(
            name=f"Associazione {n:02}",
            slug=f"associazione-{n:02}",
            kind=Organization.Kind.THIRD_SECTOR,
            legal_form="SOCIAL_COOPERATIVE",
            municipality=personas.comune.municipality,
        )
        for n in range(30)
    )
    for n, body in enumerate(bodies):
        _record(personas, program, personas.alice, body, "OWN_RESOURCES", f"{n + 1}.00")
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert [a for _o, a in figures.by_contributor] == [D(n) for n in range(30, 10, -1)]
    assert figures.others == D("55.00") and figures.others_count == 10  # 1 + 2 + … + 10
    assert not figures.others_capped
    assert figures.additional == D("465.00")  # 1 + 2 + … + 30
