"""The country's contributor ranking over any range of years, kept on write.

Summing a hundred thousand contributors over a few years at read time costs hundreds of
milliseconds, and no set of per-year leaders can prove the top 20 of every distribution.
So, for each basis measure and each range of years (year_from ≤ year_to) within a span,
RangeLeader keeps the exact sum of the contributors above a floor:

    every contributor whose sum over the range is above RangeFloor.floor has a RangeLeader
    row holding that exact sum.

`materialize` sets it up: each range keeps its LEADERS largest contributors, the floor is
the next one's sum (0 when there are no more). `follow`, called by every roll-up write,
keeps it true: each touched contributor's sums over the ranges containing the touched
years are recomputed from ContributorTotal; a row is written when the sum is above the
floor or the contributor already has one. A reading is exact whenever 20 rows lie above
the floor (nobody outside can beat them), or the floor is 0 (everyone is there); after many
reversals it may not be, and the caller sums every contributor instead.

A write to a year outside the span drops the ranges of that measure (the ranking falls back
to the full sum) until `materialize` runs again (`manage.py materialize_ranges`, or
`rebuild_ledger_totals --fix`).
Concurrent writers to one contributor queue on its all-years roll-up row, which every
write to that contributor updates first, so each one recomputes from committed sums.
PostgreSQL only: elsewhere nothing is materialized and the ranking sums at read time.
"""

import datetime
import heapq
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F

from .models import ContributorTotal, Level, Measure, RangeFloor, RangeLeader

BASES = (Measure.ACCEPTED, Measure.PLEDGED)
LEADERS = 100
# Ranges reach this many years past the current one, so plans for the next years don't
# leave the span.
YEARS_AHEAD = 5


def top(measure: str, year_from: int | None, year_to: int | None, limit: int):
    """The `limit` largest contributors over the range, or None if it can't be proved here."""
    spans = span(measure)
    if spans is None:
        return None
    first, last = spans
    year_from = max(year_from or first, first)
    year_to = min(year_to or last, last)
    if year_from > year_to:
        return None
    floor = (
        RangeFloor.objects.filter(measure=measure, year_from=year_from, year_to=year_to)
        .values_list("floor", flat=True)
        .first()
    )
    if floor is None:
        return None
    rows = list(
        RangeLeader.objects.filter(
            measure=measure, year_from=year_from, year_to=year_to, amount__gt=floor
        )
        .order_by("-amount", "contributor")
        .values_list("contributor", "amount")[:limit]
    )
    if len(rows) < limit and floor > 0:
        return None
    return [{"contributor": contributor, "total": amount} for contributor, amount in rows]


def span(measure: str) -> tuple[int, int] | None:
    """The first and last year of the materialized ranges of a measure (the one-year ranges)."""
    years = list(
        RangeFloor.objects.filter(measure=measure, year_from=F("year_to"))
        .order_by("year_from")
        .values_list("year_from", flat=True)
    )
    if not years:
        return None
    return years[0], years[-1]


def _country_rows(measure):
    return ContributorTotal.objects.filter(
        level=Level.COUNTRY, scope_id=0, measure=measure, additional=True, year__gt=0
    )


def materialize(*, this_year: int | None = None) -> int:
    """Recompute every range of every basis measure from ContributorTotal; returns the rows."""
    if connection.vendor != "postgresql":
        return 0
    this_year = this_year or datetime.date.today().year
    written = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Keeps writers out while the ranges are replaced (they write RangeLeader rows).
            cursor.execute(
                "LOCK TABLE ledger_rangeleader, ledger_rangefloor IN SHARE ROW EXCLUSIVE MODE"
            )
        RangeLeader.objects.all().delete()
        RangeFloor.objects.all().delete()
        for measure in BASES:
            written += _materialize_measure(measure, this_year)
    return written


def _materialize_measure(measure, this_year) -> int:
    cents: dict[int, dict[int, int]] = {}
    for contributor, year, amount in (
        _country_rows(measure)
        .values_list("contributor", "year", "amount")
        .iterator(chunk_size=20000)
    ):
        cents.setdefault(contributor, {})[year] = int(amount * 100)
    if not cents:
        return 0
    first = min(min(years) for years in cents.values())
    last = max(max(max(years) for years in cents.values()), this_year + YEARS_AHEAD)
    contributors = list(cents)
    # Prefix sums per contributor: the sum over first..y, for every year of the span.
    prefixes = []
    for contributor in contributors:
        by_year, running, prefix = cents[contributor], 0, [0]
        for year in range(first, last + 1):
            running += by_year.get(year, 0)
            prefix.append(running)
        prefixes.append(prefix)
    floors, leaders = [], []
    indexes = range(len(contributors))
    for start in range(first, last + 1):
        a = start - first
        for end in range(start, last + 1):
            b = end - first + 1
            sums = [prefix[b] - prefix[a] for prefix in prefixes]
            best = heapq.nlargest(LEADERS + 1, indexes, key=sums.__getitem__)
            kept = best[:LEADERS]
            floor = max(sums[best[LEADERS]], 0) if len(best) > LEADERS else 0
            floors.append(
                RangeFloor(measure=measure, year_from=start, year_to=end, floor=_euro(floor))
            )
            leaders.extend(
                RangeLeader(
                    measure=measure,
                    year_from=start,
                    year_to=end,
                    contributor_id=contributors[i],
                    amount=_euro(sums[i]),
                )
                for i in kept
                if sums[i] > floor
            )
    RangeFloor.objects.bulk_create(floors, batch_size=5000)
    RangeLeader.objects.bulk_create(leaders, batch_size=5000)
    return len(floors) + len(leaders)


def _euro(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


# The sums of the touched contributors over every materialized range containing a touched
# year, written where they are above the floor or a row already exists. A touched year
# outside a measure's span drops that measure's ranges instead (its leftover leader rows are
# never read without a floor, and `materialize` clears them).
FOLLOW = """
WITH touched AS (
    SELECT DISTINCT measure, contributor_id, year
    FROM unnest(%s::text[], %s::bigint[], %s::integer[]) AS t(measure, contributor_id, year)
), spans AS (
    SELECT measure, min(year_from) AS first, max(year_to) AS last
    FROM ledger_rangefloor GROUP BY measure
), outside AS (
    SELECT DISTINCT t.measure FROM touched t JOIN spans s ON s.measure = t.measure
    WHERE t.year < s.first OR t.year > s.last
), dropped AS (
    DELETE FROM ledger_rangefloor WHERE measure IN (SELECT measure FROM outside)
), ranges AS (
    SELECT DISTINCT f.measure, f.year_from, f.year_to, f.floor, t.contributor_id
    FROM touched t
    JOIN ledger_rangefloor f
      ON f.measure = t.measure AND t.year BETWEEN f.year_from AND f.year_to
    WHERE t.measure NOT IN (SELECT measure FROM outside)
), sums AS (
    SELECT r.measure, r.year_from, r.year_to, r.floor, r.contributor_id,
           coalesce((
               SELECT sum(c.amount) FROM ledger_contributortotal c
               WHERE c.level = 'country' AND c.additional AND c.scope_id = 0
                 AND c.contributor_id = r.contributor_id AND c.measure = r.measure
                 AND c.year BETWEEN r.year_from AND r.year_to
           ), 0) AS amount
    FROM ranges r
)
INSERT INTO ledger_rangeleader (measure, year_from, year_to, contributor_id, amount)
SELECT s.measure, s.year_from, s.year_to, s.contributor_id, s.amount
FROM sums s
WHERE s.amount > s.floor OR EXISTS (
    SELECT 1 FROM ledger_rangeleader l
    WHERE l.measure = s.measure AND l.year_from = s.year_from AND l.year_to = s.year_to
      AND l.contributor_id = s.contributor_id
)
ORDER BY s.measure, s.year_from, s.year_to, s.contributor_id
ON CONFLICT (measure, year_from, year_to, contributor_id)
DO UPDATE SET amount = EXCLUDED.amount
"""


def follow(touched) -> None:
    """Refresh the range sums of the (measure, contributor, year) that a write changed."""
    if connection.vendor != "postgresql":
        return
    touched = sorted({t for t in touched if t[0] in BASES})
    if touched:
        with connection.cursor() as cursor:
            cursor.execute(FOLLOW, [list(column) for column in zip(*touched, strict=True)])
