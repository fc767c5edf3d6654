"""The country's ranking over any range of years, kept on write, equals a full sum."""

import os
import random
from decimal import Decimal

import pytest

from trama.ledger import ranges, services
from trama.ledger.figures import TOP_CONTRIBUTORS, Scope, _summed_over_years, compute_figures
from trama.ledger.models import ContributorTotal, Level, Measure, RangeFloor
from trama.ledger.tests.test_figures import _country_ranking_rows

pytestmark = pytest.mark.django_db
N = 160
YEARS = (2017, 2018, 2019)


def _amounts(shape):
    rng = random.Random(8)
    if shape == "skewed":
        # A few large contributors and a long tail.
        return {
            year: [
                Decimal(int(50_000 * rng.paretovariate(1.2))) + Decimal(i) / 100 for i in range(N)
            ]
            for year in YEARS
        }
    # Flat: everyone brings about the same, in a different order each year; the cents make
    # every sum over a range with 2017 distinct.
    amounts = {}
    for year in YEARS:
        order = list(range(N))
        rng.shuffle(order)
        amounts[year] = [Decimal(100_000 + 5 * order[i]) for i in range(N)]
    amounts[2017] = [amount + Decimal(i) / 100 for i, amount in enumerate(amounts[2017])]
    return amounts


def _full_sum(year_from, year_to):
    rows = ContributorTotal.objects.filter(
        level=Level.COUNTRY, scope_id=0, measure=Measure.ACCEPTED, additional=True
    )
    top, _count = _summed_over_years(rows, year_from, year_to)
    return [(row["contributor"], row["total"]) for row in top]


def _ranking(year_from, year_to):
    figures = compute_figures(Scope.country(), year_from=year_from, year_to=year_to)
    return [(org.pk, amount) for org, amount in figures.by_contributor]


def _every_range():
    return [(a, b) for a in range(2015, 2026) for b in range(a, 2026)]


@pytest.mark.parametrize("shape", ["skewed", "flat"])
def test_it_ranks_every_year_range_exactly_from_the_kept_ranges(personas, shape):
    region_id = personas.comune.municipality.province.region_id
    _country_ranking_rows(region_id, _amounts(shape))
    ranges.materialize(this_year=2019)
    assert ranges.span(Measure.ACCEPTED) == (2017, 2019 + ranges.YEARS_AHEAD)
    for year_from, year_to in _every_range():
        assert _ranking(year_from, year_to) == _full_sum(year_from, year_to), (year_from, year_to)
    for year_from, year_to in [(2017, 2017), (2017, 2019), (2016, 2018), (2017, 2030)]:
        kept = ranges.top(Measure.ACCEPTED, year_from, year_to, TOP_CONTRIBUTORS)
        assert kept is not None, "the kept ranges should answer without a full sum"
        assert [(row["contributor"], row["total"]) for row in kept] == _full_sum(year_from, year_to)


def _record(personas, program, amount, year):
    return services.record_entry(
        by=personas.tom,
        program=program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="OWN_RESOURCES",
        contributor=personas.coop,
        year=year,
        amount=amount,
    )


def test_writes_keep_the_ranges_exact(personas, program):
    region_id = personas.comune.municipality.province.region_id
    _country_ranking_rows(region_id, _amounts("flat"))
    ranges.materialize(this_year=2019)
    coop = personas.coop.pk

    # An actual awaiting verification is not an accepted one; once accepted, the cooperative
    # leads every range with 2018.
    entry = _record(personas, program, "900000.00", 2018)
    assert coop not in dict(_ranking(2018, 2019))
    services.verify_entry(entry, by=personas.alice, accept=True)
    assert _ranking(2018, 2019)[0] == (coop, Decimal("900000.00"))
    assert _ranking(2017, 2018)[0] == (coop, Decimal("900000.00"))
    assert coop not in dict(_ranking(2019, 2019))
    for year_from, year_to in _every_range():
        assert _ranking(year_from, year_to) == _full_sum(year_from, year_to), (year_from, year_to)

    # A reversal takes it out again, everywhere.
    services.reverse_entry(entry, by=personas.tom, reason="Errore di battitura")
    assert coop not in dict(_ranking(2018, 2019))
    assert ranges.top(Measure.ACCEPTED, 2018, 2019, TOP_CONTRIBUTORS) is not None
    for year_from, year_to in _every_range():
        assert _ranking(year_from, year_to) == _full_sum(year_from, year_to), (year_from, year_to)

    # A smaller sum that still enters the top 20 of one range.
    small = _record(personas, program, "99000.00", 2019)
    services.verify_entry(small, by=personas.alice, accept=True)
    for year_from, year_to in _every_range():
        assert _ranking(year_from, year_to) == _full_sum(year_from, year_to), (year_from, year_to)


def test_a_year_outside_the_kept_span_falls_back_to_the_full_sum(personas, program):
    region_id = personas.comune.municipality.province.region_id
    _country_ranking_rows(region_id, _amounts("skewed"))
    ranges.materialize(this_year=2019)
    entry = _record(personas, program, "7000000.00", 2016)
    services.verify_entry(entry, by=personas.alice, accept=True)
    assert not RangeFloor.objects.filter(measure=Measure.ACCEPTED).exists()
    assert ranges.top(Measure.ACCEPTED, 2016, 2019, TOP_CONTRIBUTORS) is None
    assert (personas.coop.pk, Decimal("7000000.00")) in _ranking(2016, 2019)
    for year_from, year_to in _every_range():
        assert _ranking(year_from, year_to) == _full_sum(year_from, year_to), (year_from, year_to)
    ranges.materialize(this_year=2019)
    assert ranges.span(Measure.ACCEPTED) == (2016, 2024)
    kept = ranges.top(Measure.ACCEPTED, 2016, 2019, TOP_CONTRIBUTORS)
    assert [(row["contributor"], row["total"]) for row in kept] == _full_sum(2016, 2019)


def test_the_command_materializes_the_ranges_again(personas, program):
    from django.core.management import call_command

    region_id = personas.comune.municipality.province.region_id
    _country_ranking_rows(region_id, _amounts("flat"))
    assert ranges.top(Measure.ACCEPTED, 2017, 2019, TOP_CONTRIBUTORS) is None
    call_command("materialize_ranges", stdout=open(os.devnull, "w"))  # noqa: SIM115
    kept = ranges.top(Measure.ACCEPTED, 2017, 2019, TOP_CONTRIBUTORS)
    assert [(row["contributor"], row["total"]) for row in kept] == _full_sum(2017, 2019)
