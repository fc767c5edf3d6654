"""Figures for any scope: the one function that pages, API and exports call.

They are read from the roll-ups (LedgerTotal, ContributorTotal), never from raw entries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trama.organizations.models import Organization

from . import ranges
from .measure import REALISATION
from .models import ContributorTotal, LedgerTotal, Level, Measure, Source
from .vocabulary import ADDITIONAL_SOURCES

ZERO = Decimal("0.00")
# Ratios are kept to 6 places: the API returns them so, pages round them for display.
RATIO_PLACES = Decimal("0.000001")
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
    # Several scopes of one level read as one (a municipality's or an ambito's public
    # bodies: Level.OWNER with their ids); `id` is then unused.
    ids: tuple = ()

    @classmethod
    def country(cls):
        return cls(Level.COUNTRY, 0)

    @classmethod
    def union(cls, level: str, ids):
        return cls(level, 0, tuple(sorted(set(ids))))

    def filter(self, rows):
        """`rows` (LedgerTotal or ContributorTotal) narrowed to this scope."""
        if self.ids:
            return rows.filter(level=self.level, scope_id__in=self.ids)
        return rows.filter(level=self.level, scope_id=self.id)


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
    pledged_additional: Decimal = ZERO
    accepted_additional: Decimal = ZERO
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
        """A / P as a percentage, unrounded (6 places), or None without public money."""
        if self.public <= 0:
            return None
        return exact(self.additional * 100 / self.public)

    @property
    def multiplier(self) -> Decimal | None:
        """(P + A) / P, unrounded (6 places), or None without public money."""
        if self.public <= 0:
            return None
        return exact((self.public + self.additional) / self.public)

    @property
    def realisation_rate(self) -> Decimal | None:
        """Accepted actual additional resources over pledged ones, as a percentage (DESIGN.md).

        Over the same scope and years, whatever the basis shown; above 100 % when partners
        brought more than they pledged. None when nothing additional was pledged.
        """
        return realisation_rate(self.accepted_additional, self.pledged_additional)

    @property
    def total(self) -> Decimal:
        return self.public + self.other_public + self.additional


def exact(value: Decimal) -> Decimal:
    return value.quantize(RATIO_PLACES)


def realisation_rate(accepted_additional: Decimal, pledged_additional: Decimal) -> Decimal | None:
    """The realisation rate of two sums of additional resources (measure.REALISATION)."""
    if pledged_additional <= 0:
        return None
    return exact(accepted_additional * 100 / pledged_additional)


def check_years(year_from: int | None, year_to: int | None) -> None:
    """Refuse a year range whose first year comes after its last: it would show nothing."""
    if year_from and year_to and year_from > year_to:
        raise ValidationError(
            {
                "year_to": ValidationError(
                    gettext(
                        "The last year (%(last)s) comes before the first (%(first)s): "
                        "swap them or leave one empty."
                    )
                    % {"first": year_from, "last": year_to},
                    code="years_inverted",
                )
            }
        )


def _totals(scope: Scope):
    if scope.level == Level.COUNTRY:
        return LedgerTotal.objects.filter(level=Level.REGION)
    return scope.filter(LedgerTotal.objects.all())


def compute_figures(
    scope: Scope,
    *,
    basis: str = Basis.ACCEPTED,
    year_from: int | None = None,
    year_to: int | None = None,
) -> Figures:
    """Public, additional and other public resources, breakdowns, leverage and realisation."""
    check_years(year_from, year_to)
    figures = _fill(
        Figures(scope=scope, basis=basis, year_from=year_from, year_to=year_to),
        _rows(scope, year_from, year_to),
    )
    _contributors(figures, scope, basis, year_from, year_to)
    return figures


def compute_totals(
    scopes, *, basis: str = Basis.ACCEPTED, year_from: int | None = None, year_to: int | None = None
) -> list[Figures]:
    """The figures of several scopes without their contributor rankings (territories side
    by side), from two grouped reads of the roll-ups for all of them: by measure, source
    and category, and the basis by source and year. The same sums as `compute_figures`
    (whose rows these group further: every amount is in cents, so the order of summing
    changes nothing — the comparison test checks each figure)."""
    check_years(year_from, year_to)
    scopes = list(scopes)
    wanted = Q()
    for scope in scopes:
        if scope.level == Level.COUNTRY:
            raise ValueError("compute_totals reads scopes below the country")
        wanted |= Q(level=scope.level, scope_id__in=list(scope.ids or (scope.id,)))
    rows = LedgerTotal.objects.filter(wanted)
    if year_from:
        rows = rows.filter(year__gte=year_from)
    if year_to:
        rows = rows.filter(year__lte=year_to)
    by_kind = defaultdict(list)
    for row in (
        rows.values("level", "scope_id", "measure", "source", "category")
        .annotate(total=Sum("amount"), count=Sum("entries"))
        .order_by()
    ):
        by_kind[row["level"], row["scope_id"]].append(row)
    by_year = defaultdict(list)
    for row in (
        rows.filter(measure=basis)
        .values("level", "scope_id", "source", "year")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        by_year[row["level"], row["scope_id"]].append(row)
    results = []
    for scope in scopes:
        keys = [(scope.level, scope_id) for scope_id in (scope.ids or (scope.id,))]
        figures = Figures(scope=scope, basis=basis, year_from=year_from, year_to=year_to)
        _fill_grouped(
            figures,
            [row for key in keys for row in by_kind[key]],
            [row for key in keys for row in by_year[key]],
        )
        results.append(figures)
    return results


def _set(figures, by_source, by_category, by_year, per_measure, additional_per_measure):
    """The figures from their sums (`_fill`, `_fill_grouped`)."""
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
    realised, promised = REALISATION
    figures.accepted_additional = additional_per_measure[realised]
    figures.pledged_additional = additional_per_measure[promised]
    return figures


def _fill_grouped(figures: Figures, by_kind, by_year) -> None:
    """`_fill`, from rows grouped by (measure, source, category) and by (source, year)."""
    basis = figures.basis
    by_source = defaultdict(lambda: ZERO)
    by_category = defaultdict(lambda: ZERO)
    years = defaultdict(lambda: [ZERO, ZERO, ZERO])
    per_measure = defaultdict(lambda: ZERO)
    additional_per_measure = defaultdict(lambda: ZERO)
    for row in by_kind:
        amount = Decimal(row["total"] or 0).quantize(Decimal("0.01"))
        figures.entries += row["count"] or 0
        per_measure[row["measure"]] += amount
        if row["source"] in ADDITIONAL_SOURCES:
            additional_per_measure[row["measure"]] += amount
        if row["measure"] != basis:
            continue
        by_source[row["source"]] += amount
        if row["source"] in ADDITIONAL_SOURCES:
            by_category[row["category"]] += amount
    for row in by_year:
        source = row["source"]
        slot = 0 if source == Source.PUBLIC_OWNER else 1 if source == Source.OTHER_PUBLIC else 2
        years[row["year"]][slot] += Decimal(row["total"] or 0).quantize(Decimal("0.01"))
    _set(figures, by_source, by_category, years, per_measure, additional_per_measure)


def compute_bases(
    scope: Scope, *, year_from: int | None = None, year_to: int | None = None
) -> tuple[Figures, Figures]:
    """The figures on both bases (pledges, accepted actuals) from one read of the roll-ups,
    without the contributor ranking: for a page that sets them side by side per source and
    category and lists its own contributors (an agreement's dashboard)."""
    check_years(year_from, year_to)
    rows = list(_rows(scope, year_from, year_to))
    return tuple(
        _fill(Figures(scope=scope, basis=basis, year_from=year_from, year_to=year_to), rows)
        for basis in (Basis.PLEDGED, Basis.ACCEPTED)
    )


def _rows(scope: Scope, year_from, year_to):
    rows = _totals(scope)
    if year_from:
        rows = rows.filter(year__gte=year_from)
    if year_to:
        rows = rows.filter(year__lte=year_to)
    return rows.values("measure", "source", "category", "year").annotate(
        total=Sum("amount"), count=Sum("entries")
    )


def _fill(figures: Figures, rows) -> Figures:
    """The totals and breakdowns of `figures.basis`, and every measure's sums, from `rows`."""
    basis = figures.basis
    by_source = defaultdict(lambda: ZERO)
    by_category = defaultdict(lambda: ZERO)
    by_year = defaultdict(lambda: [ZERO, ZERO, ZERO])
    per_measure = defaultdict(lambda: ZERO)
    additional_per_measure = defaultdict(lambda: ZERO)
    for row in rows:
        amount = Decimal(row["total"] or 0).quantize(Decimal("0.01"))
        figures.entries += row["count"] or 0
        per_measure[row["measure"]] += amount
        if row["source"] in ADDITIONAL_SOURCES:
            additional_per_measure[row["measure"]] += amount
        if row["measure"] != basis:
            continue
        source = row["source"]
        by_source[source] += amount
        slot = 0 if source == Source.PUBLIC_OWNER else 1 if source == Source.OTHER_PUBLIC else 2
        by_year[row["year"]][slot] += amount
        if source in ADDITIONAL_SOURCES:
            by_category[row["category"]] += amount
    return _set(figures, by_source, by_category, by_year, per_measure, additional_per_measure)


# The scope with a hundred thousand contributors, whose ranking over a range of years is
# found from each year's leaders instead of summing every contributor (_ranked_over_years).
# A region's few thousand are summed faster than its per-year leaders are read (measured).
WIDE_LEVELS = {Level.COUNTRY}
CANDIDATES_PER_YEAR = 100


def _contributors(figures: Figures, scope: Scope, basis, year_from, year_to) -> None:
    """The 20 largest contributors of additional resources, and the rest as 'others'."""
    if scope.level == Level.CONTRIBUTOR:
        return
    rows = scope.filter(ContributorTotal.objects.filter(measure=basis, additional=True))
    if scope.ids:
        # A contributor has a row in each of the scopes: summed at read time (few scopes).
        top, count = _summed_over_years(rows, year_from, year_to)
    elif year_from or year_to:
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
