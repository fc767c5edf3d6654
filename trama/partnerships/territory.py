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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trama.agreements.models import Agreement
from trama.ledger.figures import ZERO, Basis, Figures, Scope, compute_figures
from trama.ledger.models import LedgerTotal, Level
from trama.ledger.vocabulary import ADDITIONAL_SOURCES, Source
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.programs.models import Program
from trama.territories.models import Municipality, Province, Region

from .models import Partnership
from .network import member_days, new_members_per_procedure, without_jit

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
    program_ids: tuple
    owner_ids: tuple
    population: int | None
    population_year: int | None

    @property
    def kind_label(self):
        return KINDS[self.kind]


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
        owners = _owners_in({"municipality__province__region": region})
        name = region.name
    elif kind == "province":
        province = Province.objects.filter(istat_code=code).first()
        if province is None:
            raise _unknown(key)
        scope = Scope(Level.PROVINCE, province.pk)
        municipalities = Municipality.objects.filter(province=province)
        owners = _owners_in({"municipality__province": province})
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

    @property
    def leverage(self) -> Decimal | None:
        if self.public <= 0:
            return None
        return (self.additional * 100 / self.public).quantize(Decimal("0.000001"))


@dataclass
class Timeline:
    territory: Territory
    steps: list[Step] = field(default_factory=list)
    basis: str = Basis.ACCEPTED


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
    mine = Q(program_id__in=territory.program_ids) | Q(
        grew_from__program_id__in=territory.program_ids
    )
    if territory.kind != "program":
        mine |= Q(kind=Partnership.Kind.INSTITUTIONAL, owner_id__in=territory.owner_ids)
    return Partnership.objects.filter(mine).order_by("formed_on", "pk")


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


def timeline(territory: Territory, *, basis: str = Basis.ACCEPTED) -> Timeline:
    """Programs, calls, agreements and partnerships in order, each with the network's size
    and the resources brought up to its year.

    A region has thousands of programs and calls: their rows are read as values (no model
    instances), the URLs filled in (`_Urls`), and the network's size on each day found by
    bisection over its members' first days (`network.member_days`, computed in the
    database from the territory's roll-ups)."""
    with without_jit():
        return _timeline(territory, basis)


def _timeline(territory: Territory, basis: str) -> Timeline:
    program_url, call_url = _Urls("programs:program"), _Urls("procedures:call")
    partnership_url = _Urls("partnerships:detail")
    program_label = _("Program")
    steps = [
        Step(datetime.date(start_year, 1, 1), "program", program_label, title, program_url(slug))
        for start_year, title, slug in Program.objects.filter(
            pk__in=territory.program_ids
        ).values_list("start_year", "title", "slug")
    ]
    kind_labels = {kind: str(label) for kind, label in Procedure.Kind.choices}
    procedures = (
        Procedure.objects.filter(program_id__in=territory.program_ids)
        .listed()
        .exclude(state=Procedure.State.CANCELLED)
        .values_list("pk", "kind", "origin", "title", "opened_on", "published_at", "program__slug")
    )
    for pk, kind, origin, title, opened_on, published_at, program_slug in procedures:
        day = opened_on or timezone.localdate(published_at)
        url = program_url(program_slug) if origin == Procedure.Origin.HISTORICAL else call_url(pk)
        step_kind = "tender" if kind == Procedure.Kind.DUAL_PURPOSE_TENDER else "call"
        steps.append(Step(day, step_kind, kind_labels.get(kind, kind), title, url))
    agreement_label = _("Agreement signed")
    for signed_at, pk, origin, title, program_slug in Agreement.objects.filter(
        procedure__program_id__in=territory.program_ids, signed_at__isnull=False
    ).values_list(
        "signed_at",
        "procedure_id",
        "procedure__origin",
        "procedure__title",
        "procedure__program__slug",
    ):
        url = program_url(program_slug) if origin == Procedure.Origin.HISTORICAL else call_url(pk)
        steps.append(Step(timezone.localdate(signed_at), "agreement", agreement_label, title, url))
    contractual_label = _("Contractual partnership")
    institution_labels = {  # by whether it grew from a contractual partnership
        True: _("From contract to institution"),
        False: _("Institutional partnership"),
    }
    for kind, grew_from_id, formed_on, name, slug in _partnerships_of(territory).values_list(
        "kind", "grew_from_id", "formed_on", "name", "slug"
    ):
        institutional = kind == Partnership.Kind.INSTITUTIONAL
        steps.append(
            Step(
                formed_on,
                "institution" if institutional else "partnership",
                institution_labels[grew_from_id is not None]
                if institutional
                else contractual_label,
                name,
                partnership_url(slug),
            )
        )
    order = {"program": 0, "partnership": 1, "call": 2, "tender": 3, "agreement": 4}
    steps.sort(key=lambda s: (s.day, order.get(s.kind, 5), s.title))
    joined = member_days(territory.program_ids, territory.scope)
    cumulative = _cumulative_by_year(territory.scope, basis)
    years = sorted(cumulative)
    for step in steps:
        step.network = bisect.bisect_right(joined, step.day)
        upto = bisect.bisect_right(years, step.day.year)
        if upto:
            step.public, step.additional = cumulative[years[upto - 1]]
            step.has_data = True
    return Timeline(territory, steps, basis)


# --- side by side ---------------------------------------------------------------------


@dataclass
class Comparison:
    territory: Territory
    figures: Figures
    calls: int
    agreements: int
    partners: int
    # (call title, year, Third-Sector bodies, of which new to the network)
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
        taking_part = sum(n for _t, _y, n, _new in self.newcomers)
        if not taking_part:
            return None
        new = sum(new for _t, _y, _n, new in self.newcomers)
        return (Decimal(new) * 100 / taking_part).quantize(Decimal("0.1"))


def compare(
    territories: list[Territory],
    *,
    basis: str = Basis.ACCEPTED,
    year_from: int | None = None,
    year_to: int | None = None,
) -> list[Comparison]:
    """Each territory's figures, exactly as its own page computes them."""
    with without_jit():
        return _compare(territories, basis, year_from, year_to)


def _compare(territories, basis, year_from, year_to) -> list[Comparison]:
    results = []
    for territory in territories:
        figures = compute_figures(
            territory.scope, basis=basis, year_from=year_from, year_to=year_to
        )
        procedures = (
            Procedure.objects.filter(program_id__in=territory.program_ids)
            .listed()
            .exclude(state=Procedure.State.CANCELLED)
            .exclude(kind=Procedure.Kind.DUAL_PURPOSE_TENDER)
            .values_list("pk", "title", "opened_on")
        )
        titles = {
            pk: (title, (opened.year if opened else None)) for pk, title, opened in procedures
        }
        newcomers = [
            (*titles[pk], taking_part, new)
            for pk, (taking_part, new) in new_members_per_procedure(territory.program_ids).items()
            if pk in titles
        ]
        results.append(
            Comparison(
                territory,
                figures,
                calls=len(titles),
                agreements=Agreement.objects.filter(
                    procedure__program_id__in=territory.program_ids, signed_at__isnull=False
                ).count(),
                partners=len(member_days(territory.program_ids, territory.scope)),
                newcomers=newcomers,
            )
        )
    return results


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
