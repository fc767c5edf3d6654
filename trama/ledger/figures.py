"""Figures for any scope: the one function that pages, API and exports call.

They are read from the roll-ups (LedgerTotal, ContributorTotal), never from raw entries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from trama.organizations.models import Organization

from . import ranges
from .models import ContributorTotal, LedgerTotal, Level, Measure, Source
from .vocabulary import ADDITIONAL_SOURCES

ZERO = Decimal("0.00")
TOP_CONTRIBUTORS = 20
# Counting every contributor of a country costs more than all the figures together; past
# this many, the page says "more than" instead of counting them all.
COUNT_CAP = 1000


class Basis:
    ACCEPTED = Measure.ACCEPTED
    PLEDGED = Measure.PLEDGED
    LABELS = {Measure.ACCEPTED: _("accepted actuals"), Measure.PLEDGED: _("pledges")}


@dataclass(frozen=True)
class Scope:
    level: str
    id: int = 0

    @classmethod
    def country(cls):
        return cls(Level.COUNTRY, 0)


@dataclass
class Figures:
    scope: Scope
    basis: str
    year_from: int | None
    year_to: int | None
    public: Decimal = ZERO
    other_public: Decimal = ZERO
    additional: Decimal = ZERO
    by_source: dict = field(default_factory=dict)
    by_category: dict = field(default_factory=dict)
    by_year: list = field(default_factory=list)  # (year, public, other_public, additional)
    by_contributor: list = field(default_factory=list)  # (organisation, amount)
    others: Decimal = ZERO
    others_count: int = 0
    others_capped: bool = False  # others_count is a lower bound: there are more
    pledged: Decimal = ZERO
    accepted: Decimal = ZERO
    pending: Decimal = ZERO
    rejected: Decimal = ZERO
    disputed: Decimal = ZERO
    entries: int = 0

    @property
    def basis_label(self):
        return Basis.LABELS[self.basis]

    @property
    def has_data(self) -> bool:
        return self.entries > 0

    @property
    def leverage(self) -> Decimal | None:
        """A / P as a percentage, or None when there is no public money to compare with."""
        if self.public <= 0:
            return None
        return (self.additional * 100 / self.public).quantize(Decimal("0.1"))

    @property
    def multiplier(self) -> Decimal | None:
        if self.public <= 0:
            return None
        return ((self.public + self.additional) / self.public).quantize(Decimal("0.01"))

    realised: Decimal = ZERO  # accepted actuals in the cells where something was pledged

    @property
    def realisation_rate(self) -> Decimal | None:
        """Accepted actuals over pledges, as a percentage.

        Compared like with like: only actuals of the same source, category and year as a
        pledge count, so public money that nobody pledged does not inflate the rate.
        """
        if self.pledged <= 0:
            return None
        return (self.realised * 100 / self.pledged).quantize(Decimal("0.1"))

    @property
    def total(self) -> Decimal:
        return self.public + self.other_public + self.additional


def _totals(scope: Scope):
    if scope.level == Level.COUNTRY:
        return LedgerTotal.objects.filter(level=Level.REGION)
    return LedgerTotal.objects.filter(level=scope.level, scope_id=scope.id)


def compute_figures(
    scope: Scope,
    *,
    basis: str = Basis.ACCEPTED,
    year_from: int | None = None,
    year_to: int | None = None,
) -> Figures:
    """Public, additional and other public resources, breakdowns, leverage and realisation."""
    figures = Figures(scope=scope, basis=basis, year_from=year_from, year_to=year_to)
    rows = _totals(scope)
    if year_from:
        rows = rows.filter(year__gte=year_from)
    if year_to:
        rows = rows.filter(year__lte=year_to)
    rows = rows.values("measure", "source", "category", "year").annotate(
        total=Sum("amount"), count=Sum("entries")
    )
    by_source = defaultdict(lambda: ZERO)
    by_category = defaultdict(lambda: ZERO)
    by_year = defaultdict(lambda: [ZERO, ZERO, ZERO])
    per_measure = defaultdict(lambda: ZERO)
    cells = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        amount = Decimal(row["total"] or 0).quantize(Decimal("0.01"))
        figures.entries += row["count"] or 0
        per_measure[row["measure"]] += amount
        cells[(row["source"], row["category"], row["year"])][row["measure"]] += amount
        if row["measure"] != basis:
            continue
        source = row["source"]
        by_source[source] += amount
        slot = 0 if source == Source.PUBLIC_OWNER else 1 if source == Source.OTHER_PUBLIC else 2
        by_year[row["year"]][slot] += amount
        if source in ADDITIONAL_SOURCES:
            by_category[row["category"]] += amount
    figures.public = by_source[Source.PUBLIC_OWNER]
    figures.other_public = by_source[Source.OTHER_PUBLIC]
    figures.additional = sum((by_source[s] for s in ADDITIONAL_SOURCES), ZERO)
    figures.by_source = {s: by_source[s] for s in Source.values if by_source[s]}
    figures.by_category = dict(sorted(by_category.items(), key=lambda kv: -kv[1]))
    figures.by_year = [(year, *values) for year, values in sorted(by_year.items())]
    figures.pledged = per_measure[Measure.PLEDGED]
    figures.accepted = per_measure[Measure.ACCEPTED]
    figures.pending = per_measure[Measure.PENDING]
    figures.rejected = per_measure[Measure.REJECTED]
    figures.disputed = per_measure[Measure.DISPUTED]
    figures.realised = sum(
        (cell[Measure.ACCEPTED] for cell in cells.values() if cell[Measure.PLEDGED] > 0), ZERO
    )
    _contributors(figures, scope, basis, year_from, year_to)
    return figures


# The scope with a hundred thousand contributors, whose ranking over a range of years is
# found from each year's leaders instead of summing every contributor (_ranked_over_years).
# A region's few thousand are summed faster than its per-year leaders are read (measured).
WIDE_LEVELS = {Level.COUNTRY}
CANDIDATES_PER_YEAR = 100


def _contributors(figures: Figures, scope: Scope, basis, year_from, year_to) -> None:
    """The 20 largest contributors of additional resources, and the rest as 'others'."""
    if scope.level == Level.CONTRIBUTOR:
        return
    rows = ContributorTotal.objects.filter(
        level=scope.level, scope_id=scope.id, measure=basis, additional=True
    )
    if year_from or year_to:
        years = [row[0] for row in figures.by_year]
        ranked = None
        if scope.level in WIDE_LEVELS and years:
            kept = ranges.top(basis, year_from, year_to, TOP_CONTRIBUTORS)
            if kept is not None:
                ranked = kept, _count_over_years(rows, years)
            else:
                ranked = _ranked_over_years(rows, years)
        if ranked is None:
            ranked = _summed_over_years(rows, year_from, year_to)
        top, count = ranked
    else:
        rows = rows.filter(year=0, amount__gt=0)
        top = [
            {"contributor": row["contributor"], "total": row["amount"]}
            for row in rows.order_by("-amount", "contributor_id").values("contributor", "amount")[
                :TOP_CONTRIBUTORS
            ]
        ]
        count = rows.order_by()[:COUNT_CAP].count()
    names = Organization.objects.in_bulk([row["contributor"] for row in top])
    figures.by_contributor = [
        (names[row["contributor"]], Decimal(row["total"]).quantize(Decimal("0.01"))) for row in top
    ]
    figures.others = figures.additional - sum(
        (amount for _o, amount in figures.by_contributor), ZERO
    )
    figures.others_count = max(count - len(top), 0)
    figures.others_capped = count >= COUNT_CAP


def _summed_over_years(rows, year_from, year_to):
    """Every contributor's total over the range, summed at read time: exact, slow when wide."""
    if year_from:
        rows = rows.filter(year__gte=year_from)
    if year_to:
        rows = rows.filter(year__lte=year_to)
    rows = rows.exclude(year=0).values("contributor").annotate(total=Sum("amount"))
    top = list(rows.filter(total__gt=0).order_by("-total", "contributor")[:TOP_CONTRIBUTORS])
    count = rows.filter(total__gt=0).order_by()[:COUNT_CAP].count()
    return top, count


def _ranked_over_years(rows, years):
    """The top contributors over `years` from each year's leaders, or None if not provable.

    Each year's largest CANDIDATES_PER_YEAR rows come from the ranking index. A contributor
    outside every year's leaders has, in each year, at most that year's smallest leader
    amount, so at most their sum over the range; when the 20th candidate's total beats that
    bound, nobody outside can enter the top and the answer is exact. Otherwise (flat
    distributions) the caller sums every contributor.
    """
    candidates = set()
    bound = ZERO
    count_per_year = []
    for year in years:
        leaders = list(
            rows.filter(year=year, amount__gt=0)
            .order_by("-amount")
            .values_list("contributor", "amount")[:CANDIDATES_PER_YEAR]
        )
        candidates.update(contributor for contributor, _amount in leaders)
        if len(leaders) == CANDIDATES_PER_YEAR:
            bound += leaders[-1][1]
            count_per_year.append(rows.filter(year=year, amount__gt=0)[:COUNT_CAP].count())
    totals = (
        rows.filter(year__in=years, contributor__in=candidates)
        .values("contributor")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .order_by("-total", "contributor")
    )
    top = list(totals[:TOP_CONTRIBUTORS])
    if bound and (len(top) < TOP_CONTRIBUTORS or top[-1]["total"] <= bound):
        return None
    if count_per_year and max(count_per_year) >= COUNT_CAP:
        return top, COUNT_CAP
    return top, _count_over_years(rows, years)


def _count_over_years(rows, years) -> int:
    """How many contributors brought something in `years`, up to COUNT_CAP."""
    for year in years:
        if rows.filter(year=year, amount__gt=0)[:COUNT_CAP].count() >= COUNT_CAP:
            return COUNT_CAP
    # Every year has fewer than COUNT_CAP contributors: counting the distinct ones is cheap.
    return (rows.filter(year__in=years, amount__gt=0).values("contributor").distinct().order_by())[
        :COUNT_CAP
    ].count()


def headline_figures(scope: Scope, *, basis: str = Basis.ACCEPTED) -> Figures:
    """Only a scope's totals (public, other public, additional: leverage and multiplier), in
    one query: for a summary such as the home page's, which shows no breakdown."""
    figures = Figures(scope=scope, basis=basis, year_from=None, year_to=None)
    rows = (
        _totals(scope)
        .filter(measure=basis)
        .values("source")
        .annotate(total=Sum("amount"), count=Sum("entries"))
    )
    for row in rows:
        amount = Decimal(row["total"] or 0).quantize(Decimal("0.01"))
        figures.entries += row["count"] or 0
        if row["source"] == Source.PUBLIC_OWNER:
            figures.public += amount
        elif row["source"] == Source.OTHER_PUBLIC:
            figures.other_public += amount
        elif row["source"] in ADDITIONAL_SOURCES:
            figures.additional += amount
    return figures
