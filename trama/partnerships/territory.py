"""Territories told and compared: a municipality, an ambito, a province, a region or a
program, its story in order and its figures beside others'.

A territory is named by a key, `<kind>:<code>`: `municipality:097042` and
`province:097` and `region:03` (ISTAT codes), `ambito:<slug>` (the ambito's organisation,
whose territory is its member municipalities) and `program:<slug>`. Its public bodies are
those located in it (an ambito counts itself too); its programs are theirs. Its resources
are read from the ledger's roll-ups (no scan of raw entries): the province and region
levels directly, a municipality or an ambito as the union of its public bodies' rows.
"""

import bisect
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trama.ledger.figures import ZERO, Basis, Figures, Scope, compute_totals
from trama.ledger.models import LedgerTotal, Level
from trama.ledger.vocabulary import ADDITIONAL_SOURCES, Source
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.programs.models import Program
from trama.territories.models import Municipality, Province, Region

from . import network
from .models import NetworkMember, Partnership, StoryStep
from .network import without_jit

KINDS = {
    "municipality": gettext_lazy("Municipality"),
    "ambito": gettext_lazy("Social district (ambito)"),
    "province": gettext_lazy("Province"),
    "region": gettext_lazy("Region"),
    "program": gettext_lazy("Program"),
}
MAX_COMPARED = 6


@dataclass(frozen=True)
class Territory:
    key: str
    kind: str
    name: str
    scope: Scope
    # A program's, a municipality's or an ambito's programs and public bodies; a province
    # or a region (hundreds of them) is read by its roll-up rows instead, and lists none.
    program_ids: tuple
    owner_ids: tuple
    population: int | None
    population_year: int | None

    @property
    def kind_label(self):
        return KINDS[self.kind]

    def programs(self, path: str = "") -> Q:
        """The territory's programs, as a condition on `path` (`"program__"` from a
        procedure): a join for a region or a province, whose programs number thousands."""
        if self.kind == "program":
            return Q(**{f"{path}pk": self.scope.id})
        return self.owners(f"{path}owner__")

    def owners(self, path: str = "") -> Q:
        """The territory's public bodies, as a condition on `path`."""
        if self.kind == "region":
            return Q(**{f"{path}municipality__province__region_id": self.scope.id})
        if self.kind == "province":
            return Q(**{f"{path}municipality__province_id": self.scope.id})
        return Q(**{f"{path}pk__in": self.owner_ids})


def _unknown(key):
    return ValidationError(
        _("There is no territory “%(key)s” on Trama.") % {"key": key}, code="unknown_territory"
    )


def _population(municipalities) -> tuple[int | None, int | None]:
    """The sum of the municipalities' residents, if every one of them is known."""
    row = municipalities.aggregate(
        total=Sum("population"),
        missing=Count("pk", filter=Q(population__isnull=True)),
        count=Count("pk"),
        year=Max("population_year"),
    )
    if not row["count"] or row["missing"]:
        return None, None
    return row["total"], row["year"]


def _owners_in(municipality_filter) -> list[int]:
    return list(
        Organization.objects.filter(
            kind=Organization.Kind.PUBLIC_BODY, **municipality_filter
        ).values_list("pk", flat=True)
    )


def resolve(key: str) -> Territory:
    """The territory a key names; ValidationError (code unknown_territory) if none."""
    kind, _sep, code = (key or "").partition(":")
    kind, code = kind.strip().lower(), code.strip()
    if kind not in KINDS or not code:
        raise _unknown(key)
    if kind == "program":
        program = Program.objects.select_related("owner__municipality").filter(slug=code).first()
        if program is None:
            raise _unknown(key)
        population = _population(Municipality.objects.filter(pk=program.owner.municipality_id))
        return Territory(
            key,
            kind,
            program.title,
            Scope(Level.PROGRAM, program.pk),
            (program.pk,),
            (program.owner_id,),
            *population,
        )
    if kind == "region":
        region = Region.objects.filter(istat_code=code).first()
        if region is None:
            raise _unknown(key)
        scope = Scope(Level.REGION, region.pk)
        municipalities = Municipality.objects.filter(province__region=region)
        owners = None  # read by the region's roll-up rows, not listed
        name = region.name
    elif kind == "province":
        province = Province.objects.filter(istat_code=code).first()
        if province is None:
            raise _unknown(key)
        scope = Scope(Level.PROVINCE, province.pk)
        municipalities = Municipality.objects.filter(province=province)
        owners = None
        name = str(province)
    elif kind == "municipality":
        municipality = Municipality.objects.select_related("province").filter(istat_code=code)
        municipality = municipality.first()
        if municipality is None:
            raise _unknown(key)
        municipalities = Municipality.objects.filter(pk=municipality.pk)
        owners = _owners_in({"municipality": municipality})
        scope = Scope.union(Level.OWNER, owners)
        name = str(municipality)
    else:  # ambito
        ambito = Organization.objects.filter(
            slug=code,
            kind=Organization.Kind.PUBLIC_BODY,
            public_body_type=Organization.PublicBodyType.AMBITO,
        ).first()
        if ambito is None:
            raise _unknown(key)
        municipalities = ambito.member_municipalities.all()
        owners = sorted({ambito.pk, *_owners_in({"municipality__in": municipalities.values("pk")})})
        scope = Scope.union(Level.OWNER, owners)
        name = ambito.name
    if owners is None:
        return Territory(key, kind, name, scope, (), (), *_population(municipalities))
    program_ids = tuple(
        Program.objects.filter(owner_id__in=owners).order_by("pk").values_list("pk", flat=True)
    )
    return Territory(
        key, kind, name, scope, program_ids, tuple(owners), *_population(municipalities)
    )


def normal_key(key: str) -> str:
    kind, _sep, code = key.strip().partition(":")
    return f"{kind.strip().lower()}:{code.strip()}"


def resolve_many(keys) -> list[Territory]:
    """Two to six distinct territories, in the order given."""
    keys = list(dict.fromkeys(normal_key(k) for k in keys if k and k.strip()))
    if len(keys) < 2:
        raise ValidationError(
            _("Choose at least two territories to compare."), code="too_few_territories"
        )
    if len(keys) > MAX_COMPARED:
        raise ValidationError(
            _("Compare at most %(n)s territories at a time.") % {"n": MAX_COMPARED},
            code="too_many_territories",
        )
    return [resolve(key) for key in keys]


# --- the story in order -------------------------------------------------------------

PER_PAGE = 100


@dataclass
class Step:
    day: datetime.date
    kind: str  # program, call, agreement, partnership, institution, tender
    label: str
    title: str
    url: str
    network: int = 0
    public: Decimal = ZERO
    additional: Decimal = ZERO
    has_data: bool = False
    # A call's Third-Sector bodies, and of them those new to the network there.
    taking_part: int | None = None
    new: int | None = None

    @property
    def leverage(self) -> Decimal | None:
        return _leverage(self.public, self.additional)


def _leverage(public, additional) -> Decimal | None:
    if public <= 0:
        return None
    return (additional * 100 / public).quantize(Decimal("0.000001"))


@dataclass
class Year:
    """The territory at the end of a year: the network's size and the resources brought
    since the start (what the chart draws)."""

    year: int
    network: int
    public: Decimal = ZERO
    additional: Decimal = ZERO
    has_data: bool = False

    @property
    def leverage(self) -> Decimal | None:
        return _leverage(self.public, self.additional)


@dataclass
class Timeline:
    territory: Territory
    steps: list[Step] = field(default_factory=list)  # the page asked for
    basis: str = Basis.ACCEPTED
    total: int = 0  # steps in the whole story
    page: int = 1
    pages: int = 1
    years: list[Year] = field(default_factory=list)

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PER_PAGE + 1

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.steps) - 1


def _cumulative_by_year(scope: Scope, basis: str) -> dict[int, tuple[Decimal, Decimal]]:
    """For each year with data: (public, additional) summed over every year up to it."""
    rows = (
        scope.filter(LedgerTotal.objects.filter(measure=basis))
        .exclude(year=0)
        .values("year", "source")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    per_year = defaultdict(lambda: [ZERO, ZERO])
    for row in rows:
        amount = Decimal(row["total"] or 0).quantize(Decimal("0.01"))
        if row["source"] == Source.PUBLIC_OWNER:
            per_year[row["year"]][0] += amount
        elif row["source"] in ADDITIONAL_SOURCES:
            per_year[row["year"]][1] += amount
    result, public, additional = {}, ZERO, ZERO
    for year in sorted(per_year):
        public += per_year[year][0]
        additional += per_year[year][1]
        result[year] = (public, additional)
    return result


def _partnerships_of(territory: Territory):
    """The contractual partnerships of the territory's programs, the institutions that grew
    from them and, for a place, the institutions its public bodies recorded."""
    mine = territory.programs("program__") | territory.programs("grew_from__program__")
    if territory.kind != "program":
        mine |= Q(kind=Partnership.Kind.INSTITUTIONAL) & territory.owners("owner__")
    return Partnership.objects.filter(mine).order_by()


def _story(territory: Territory):
    """The territory's steps (`story.StoryStep`), read by index."""
    if territory.kind == "program":
        return StoryStep.objects.filter(program_id=territory.scope.id)
    if territory.kind == "region":
        return StoryStep.objects.filter(region_id=territory.scope.id)
    if territory.kind == "province":
        return StoryStep.objects.filter(province_id=territory.scope.id)
    return StoryStep.objects.filter(owner_id__in=territory.owner_ids)


_ORDER = ("day", "rank", "title", "pk")


def _page(territory: Territory, offset: int, limit: int) -> list[StoryStep]:
    return list(_story(territory).order_by(*_ORDER)[offset : offset + limit])


class _Labels:
    def __init__(self):
        self.program_url, self.call_url = _Urls("programs:program"), _Urls("procedures:call")
        self.partnership_url = _Urls("partnerships:detail")
        self.kinds = {kind: str(label) for kind, label in Procedure.Kind.choices}
        self.fixed = {
            "program": _("Program"),
            "agreement": _("Agreement signed"),
            "partnership": _("Contractual partnership"),
            "grew": _("From contract to institution"),
            "institution": _("Institutional partnership"),
        }

    def step(self, row: StoryStep) -> Step:
        kind, ref = row.kind, row.ref
        if kind == "program":
            label, url = self.fixed["program"], self.program_url(ref)
        elif kind in ("call", "tender", "agreement"):
            label = (
                self.fixed["agreement"] if kind == "agreement" else self.kinds.get(row.sub, row.sub)
            )
            url = self.program_url(row.program_slug) if row.historical else self.call_url(ref)
        else:
            label = self.fixed["grew" if row.sub == "grew" else kind]
            url = self.partnership_url(ref)
        return Step(row.day, kind, label, row.title, url)


_URL_SAFE = re.compile(r"[-a-zA-Z0-9_]+")


class _Urls:
    """`reverse(name, args=[value])` for many values of one URL: reversed once, with a
    marker in the place of the value, then filled in (a region's timeline has thousands
    of steps, and reversing each costs tens of microseconds). Values that would need
    quoting in a URL (none of our slugs or ids) are reversed one by one."""

    MARKER = 987654321987

    def __init__(self, name: str):
        self.name = name
        url = reverse(name, args=[self.MARKER])
        self.prefix, _marker, self.suffix = url.partition(str(self.MARKER))

    def __call__(self, value) -> str:
        text = str(value)
        if not _URL_SAFE.fullmatch(text):
            return reverse(self.name, args=[value])
        return f"{self.prefix}{text}{self.suffix}"


class _Story:
    """What every step is measured against: the network's growth and the cumulative
    resources by year, each read once from the roll-ups."""

    def __init__(self, territory: Territory, basis: str):
        self.level = territory.scope.level
        self.ids = territory.scope.ids or (territory.scope.id,)
        self.joined = network.joined(self.level, self.ids)
        self.cumulative = _cumulative_by_year(territory.scope, basis)
        self.data_years = sorted(self.cumulative)

    def figures_up_to(self, year: int):
        upto = bisect.bisect_right(self.data_years, year)
        if not upto:
            return None
        return self.cumulative[self.data_years[upto - 1]]

    def measure_all(self, rows, labels) -> list[Step]:
        """Steps from rows of `_steps`, measured; each call with its newcomers."""
        steps = [self.measure(labels.step(row)) for row in rows]
        calls = {row.procedure_id for row in rows if row.kind == "call"}
        if calls:
            new = network.new_members_per_call(self.level, self.ids, calls)
            for row, step in zip(rows, steps, strict=True):
                if row.kind == "call":
                    step.taking_part, step.new = row.taking_part, new.get(row.procedure_id, 0)
        return steps

    def measure(self, step: Step) -> Step:
        step.network = self.joined.size_on(step.day)
        figures = self.figures_up_to(step.day.year)
        if figures is not None:
            step.public, step.additional = figures
            step.has_data = True
        return step

    def years(self, first_day, last_day) -> list[Year]:
        known = (
            [
                day.year
                for day in (first_day, last_day, *self.joined.days[:1], *self.joined.days[-1:])
                if day is not None
            ]
            + self.data_years[:1]
            + self.data_years[-1:]
        )
        if not known:
            return []
        result = []
        for year in range(min(known), max(known) + 1):
            row = Year(year, self.joined.size_on(datetime.date(year, 12, 31)))
            figures = self.figures_up_to(year)
            if figures is not None:
                row.public, row.additional = figures
                row.has_data = True
            result.append(row)
        return result


def timeline(
    territory: Territory, *, basis: str = Basis.ACCEPTED, page: int = 1, per_page: int = PER_PAGE
) -> Timeline:
    """Programs, calls, agreements and partnerships in order, each with the network's size
    and the resources brought up to its year — one page of them — and the territory year
    by year. Read from the roll-ups (`network.NetworkMember`, the ledger's totals) in a
    fixed number of queries, whatever the size of the territory."""
    with without_jit():
        story = _Story(territory, basis)
        steps = _story(territory)
        total = steps.count()
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        rows = _page(territory, (page - 1) * per_page, per_page)
        first = last = None
        if total:
            first = steps.order_by(*_ORDER).values_list("day", flat=True).first()
            last = steps.order_by("-day").values_list("day", flat=True).first()
        return Timeline(
            territory,
            story.measure_all(rows, _Labels()),
            basis,
            total,
            page,
            pages,
            story.years(first, last),
        )


def every_step(territory: Territory, *, basis: str = Basis.ACCEPTED, chunk: int = 2000):
    """The whole story, step by step (the CSV export), read a chunk at a time."""
    with without_jit():
        story = _Story(territory, basis)
        labels = _Labels()
        start = 0
        while True:
            rows = _page(territory, start, chunk)
            yield from story.measure_all(rows, labels)
            if len(rows) < chunk:
                return
            start += chunk


# --- side by side ---------------------------------------------------------------------

# A territory with at most this many calls lists each call's newcomers; a larger one (a
# province, a region) gives the share over all its calls, each call's on its timeline.
LISTED_CALLS = 20


@dataclass
class Comparison:
    territory: Territory
    figures: Figures
    calls: int
    agreements: int
    partners: int
    # Third-Sector bodies taking part in the calls (counted once per call), and of them
    # those new to the network there.
    taking_part: int = 0
    new: int = 0
    # (call title, year, Third-Sector bodies, of which new to the network), for a
    # territory with at most LISTED_CALLS calls.
    newcomers: list = field(default_factory=list)

    def per_inhabitant(self, amount: Decimal) -> Decimal | None:
        if not self.territory.population:
            return None
        return (amount / self.territory.population).quantize(Decimal("0.01"))

    @property
    def public_per_inhabitant(self):
        return self.per_inhabitant(self.figures.public)

    @property
    def additional_per_inhabitant(self):
        return self.per_inhabitant(self.figures.additional)

    @property
    def newcomer_share(self) -> Decimal | None:
        """Of the Third-Sector bodies taking part in the calls, the share new to the network."""
        if not self.taking_part:
            return None
        return (Decimal(self.new) * 100 / self.taking_part).quantize(Decimal("0.1"))


def compare(
    territories: list[Territory],
    *,
    basis: str = Basis.ACCEPTED,
    year_from: int | None = None,
    year_to: int | None = None,
) -> list[Comparison]:
    """Each territory's figures, exactly as its own page computes them. The counts of
    the territories read from one roll-up row set each (a program, a province, a region)
    are read together, one query for all of them."""
    with without_jit():
        counts = _counts(territories)
        figures = compute_totals(
            [t.scope for t in territories], basis=basis, year_from=year_from, year_to=year_to
        )
        return [
            _compare(t, f, counts.get(t.key)) for t, f in zip(territories, figures, strict=True)
        ]


# A story's steps by the column that places them, for the territories read from one scope.
_PLACED_BY = {"program": "program_id", "province": "province_id", "region": "region_id"}


def _counts(territories) -> dict[str, dict]:
    """Calls, agreements, Third-Sector bodies taking part, partners and newcomers of the
    programs, provinces and regions among the territories: two queries in all."""
    single = [t for t in territories if t.kind in _PLACED_BY]
    if not single:
        return {}
    members = Q()
    for t in single:
        members |= Q(level=t.scope.level, scope_id=t.scope.id)
    calls = Q(kind="call")
    by_place = {}
    for column in {_PLACED_BY[t.kind] for t in single}:
        for row in (
            StoryStep.objects.filter(
                **{f"{column}__in": [t.scope.id for t in single if _PLACED_BY[t.kind] == column]},
            )
            .values(column)
            .annotate(
                calls=Count("pk", filter=calls),
                agreements=Count("pk", filter=Q(kind="agreement")),
                taking_part=Coalesce(Sum("taking_part", filter=calls), 0),
            )
            .order_by()
        ):
            by_place[column, row.pop(column)] = row
    by_scope = {
        (row["level"], row["scope_id"]): row
        for row in NetworkMember.objects.filter(members)
        .values("level", "scope_id")
        .annotate(
            partners=Count("pk", filter=Q(since__isnull=False)),
            new=Count("pk", filter=Q(third_sector=True, first_call__isnull=False)),
        )
        .order_by()
    }
    empty = {"calls": 0, "agreements": 0, "taking_part": 0, "partners": 0, "new": 0}
    return {
        t.key: {
            **empty,
            **by_place.get((_PLACED_BY[t.kind], t.scope.id), {}),
            **{
                k: v
                for k, v in by_scope.get((t.scope.level, t.scope.id), {}).items()
                if k in ("partners", "new")
            },
        }
        for t in single
    }


def _compare(territory, figures: Figures, counts=None) -> Comparison:
    level, ids = territory.scope.level, territory.scope.ids or (territory.scope.id,)
    steps = _story(territory)
    calls = Q(kind="call")
    if counts is None:  # a municipality or an ambito: the union of its public bodies
        counts = steps.aggregate(
            calls=Count("pk", filter=calls),
            agreements=Count("pk", filter=Q(kind="agreement")),
            taking_part=Coalesce(Sum("taking_part", filter=calls), 0),
        )
        counts["partners"] = network.joined(level, ids).size
        counts["new"] = network.new_members(level, ids)
    found = Comparison(
        territory,
        figures,
        calls=counts["calls"],
        agreements=counts["agreements"],
        partners=counts["partners"],
        taking_part=counts["taking_part"],
        new=counts["new"],
    )
    if found.calls <= LISTED_CALLS:
        listed = list(
            steps.filter(calls)
            .order_by(*_ORDER)
            .values_list("procedure_id", "title", "day", "taking_part")
        )
        new = network.new_members_per_call(level, ids, [row[0] for row in listed])
        found.newcomers = [
            (title, day.year, taking_part, new.get(pk, 0))
            for pk, title, day, taking_part in listed
            if taking_part
        ]
    return found


def region_leverage(basis: str = Basis.ACCEPTED) -> dict[str, Decimal | None]:
    """Every region's leverage (A / P, %), by ISTAT code, from one read of the roll-ups."""
    rows = (
        LedgerTotal.objects.filter(level=Level.REGION, measure=basis)
        .values("scope_id", "source")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    public, additional = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    for row in rows:
        if row["source"] == Source.PUBLIC_OWNER:
            public[row["scope_id"]] += row["total"]
        elif row["source"] in ADDITIONAL_SOURCES:
            additional[row["scope_id"]] += row["total"]
    result = {}
    for pk, code in Region.objects.values_list("pk", "istat_code"):
        result[code] = (
            (additional[pk] * 100 / public[pk]).quantize(Decimal("0.1")) if public[pk] > 0 else None
        )
    return result
