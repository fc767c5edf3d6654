"""An agreement's figures: resources pledged and brought, indicators, tranches and reports.

The agreement's scope in the ledger is its procedure's, so its resources are read from the
roll-ups at the procedure level through the ledger's own `compute_figures` (and the
per-contributor roll-up for the partners' lines): where an entry counts (its measure) is
decided once, in `ledger/measure.py`, and never again here. Everything else comes from the
agreement's own rows, in a fixed number of queries whatever the number of partners,
periods and reports.

`bump_agreement(agreement)` is the hook the services call after changing what the public
page shows (parties, reports, payments, …): cached public pages showing it then miss.
"""

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trama.ledger.figures import ZERO, Figures, Scope, compute_bases, realisation_rate
from trama.ledger.models import ContributorTotal, Level, Measure
from trama.ledger.vocabulary import Category, Source
from trama.lib.cache import bump
from trama.organizations.models import Organization

from .beneficiaries import group_label
from .models import (
    Agreement,
    BeneficiaryCount,
    Indicator,
    IndicatorValue,
    Party,
    Report,
    ReportingPeriod,
    Target,
    Tranche,
)

# The cache scope of every page showing an agreement (lib/cache.py, pages/invalidation.py).
CACHE_SCOPE = "agreements"


def bump_agreement(agreement: Agreement | None = None) -> None:
    """Make cached pages showing an agreement miss: call after any write to what they show.

    Saving a model of the app already bumps its scope (pages/invalidation.py); queryset
    updates and bulk writes send no signal, so their services call this.
    """
    bump(CACHE_SCOPE)


def _today() -> date:
    return timezone.localdate()


# --- resources ------------------------------------------------------------------------------


@dataclass
class Line:
    """One row of a pledged-vs-actual table: a source, a category or a partner."""

    label: str
    pledged: Decimal = ZERO
    accepted: Decimal = ZERO
    pending: Decimal = ZERO
    code: str = ""
    organization: object = None
    role: str = ""
    pledged_additional: Decimal = ZERO
    accepted_additional: Decimal = ZERO

    @property
    def realisation_rate(self) -> Decimal | None:
        return realisation_rate(self.accepted_additional, self.pledged_additional)


@dataclass
class Resources:
    """The agreement's resources on both bases: never mixed in one number."""

    pledged: Figures
    accepted: Figures
    partners: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    categories: list = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.accepted.has_data

    @property
    def realisation_rate(self) -> Decimal | None:
        """Accepted actual additional ÷ pledged additional, as a percentage; None: no data."""
        return self.accepted.realisation_rate

    @property
    def leverage(self) -> Decimal | None:
        """Pledged additional ÷ pledged public resources (the agreement's plan), in %."""
        return self.pledged.leverage

    @property
    def multiplier(self) -> Decimal | None:
        return self.pledged.multiplier

    @property
    def actual_leverage(self) -> Decimal | None:
        """Accepted additional ÷ public contribution paid, in %."""
        return self.accepted.leverage

    @property
    def public_pledged(self) -> Decimal:
        return self.pledged.public

    @property
    def public_paid(self) -> Decimal:
        """Payments of the public contribution: the owning body's accepted actuals."""
        return self.accepted.public

    @property
    def public_paid_share(self) -> Decimal | None:
        if self.public_pledged <= 0:
            return None
        return (self.public_paid * 100 / self.public_pledged).quantize(Decimal("0.1"))


def resources(agreement: Agreement, parties=None) -> Resources:
    """Pledged and accepted actual resources per partner, source and category."""
    pledged, accepted = compute_bases(Scope(Level.PROCEDURE, agreement.procedure_id))
    found = Resources(pledged=pledged, accepted=accepted)
    for code in Source.values:
        pledged = found.pledged.by_source.get(code, ZERO)
        accepted = found.accepted.by_source.get(code, ZERO)
        if pledged or accepted:
            found.sources.append(Line(Source(code).label, pledged, accepted, code=code))
    for code in Category.values:
        pledged = found.pledged.by_category.get(code, ZERO)
        accepted = found.accepted.by_category.get(code, ZERO)
        if pledged or accepted:
            found.categories.append(Line(Category(code).label, pledged, accepted, code=code))
    found.partners = _partners(agreement, parties)
    return found


def _partners(agreement: Agreement, parties) -> list[Line]:
    """Every party's pledged and accepted resources (and any other contributor's)."""
    if parties is None:
        parties = _parties(agreement)
    # One row per contributor, measure and additional flag at year 0 (all years): the key of
    # the roll-up, so no sum is needed; the name comes along for contributors not parties.
    rows = ContributorTotal.objects.filter(
        level=Level.PROCEDURE,
        scope_id=agreement.procedure_id,
        year=0,
        measure__in=[Measure.PLEDGED, Measure.ACCEPTED, Measure.PENDING],
    ).values_list("contributor", "contributor__name", "measure", "additional", "amount")
    lines = {}
    for party in parties:
        if party.organization_id not in lines:
            lines[party.organization_id] = Line(
                party.organization.name,
                organization=party.organization,
                role=party.get_role_display(),
            )
    others = {}
    for contributor, name, measure, additional, amount in rows:
        line = lines.get(contributor)
        if line is None:
            line = others.get(contributor)
            if line is None:
                organization = Organization(pk=contributor, name=name)
                line = others[contributor] = Line(name, organization=organization)
        _add(line, measure, additional, amount)
    for contributor in sorted(others, key=lambda pk: others[pk].label):
        line = others[contributor]
        if line.pledged or line.accepted or line.pending:
            lines[contributor] = line
    return list(lines.values())


def _add(line: Line, measure, additional, amount) -> None:
    amount = Decimal(amount or 0).quantize(Decimal("0.01"))
    if measure == Measure.PLEDGED:
        line.pledged += amount
        if additional:
            line.pledged_additional += amount
    elif measure == Measure.ACCEPTED:
        line.accepted += amount
        if additional:
            line.accepted_additional += amount
    else:
        line.pending += amount


# --- indicators, tranches, reports ------------------------------------------------------------


@dataclass
class Point:
    period: ReportingPeriod
    target: Decimal | None
    value: Decimal | None
    awaiting: bool = False  # the value comes from a report not yet accepted


@dataclass
class Series:
    indicator: Indicator
    points: list

    @property
    def latest(self) -> Point | None:
        """The last period with a value."""
        for point in reversed(self.points):
            if point.value is not None:
                return point
        return None


@dataclass
class TrancheState:
    PAID = "paid"
    DUE = "due"
    WAITING = "waiting"
    LABELS = {PAID: _("Paid"), DUE: _("Due: condition met"), WAITING: _("Condition not met yet")}

    tranche: Tranche
    payment: object
    state: str

    @property
    def label(self):
        return self.LABELS[self.state]

    @property
    def expected_on(self) -> date | None:
        """When it may become due: its date, or its period's report due date."""
        if self.tranche.due_on:
            return self.tranche.due_on
        return self.tranche.after_period.due_on if self.tranche.after_period else None


@dataclass
class PeriodState:
    period: ReportingPeriod
    report: Report | None
    overdue: bool

    @property
    def label(self):
        if self.report is None:
            return _("Not started")
        return self.report.get_state_display()


@dataclass
class Calendar:
    periods: list
    tranches: list
    next_report: PeriodState | None
    next_tranche: TrancheState | None

    @property
    def paid(self) -> Decimal:
        return sum((t.payment.amount for t in self.tranches if t.payment), ZERO)

    @property
    def due(self) -> Decimal:
        return sum((t.tranche.amount for t in self.tranches if t.state == t.DUE), ZERO)

    @property
    def planned(self) -> Decimal:
        return sum((t.tranche.amount for t in self.tranches), ZERO)


def _periods(agreement: Agreement) -> tuple[list, dict]:
    """The reporting periods, and their reports by period id, in one query."""
    periods = list(agreement.periods.select_related("report"))
    reports = {}
    for period in periods:
        with contextlib.suppress(Report.DoesNotExist):
            reports[period.pk] = period.report
    return periods, reports


DONE = (Report.State.SUBMITTED, Report.State.ACCEPTED)


def calendar(agreement: Agreement, *, periods=None, reports=None, today=None) -> Calendar:
    """Reports and their states per period, tranches paid and due, and the next dates."""
    today = today or _today()
    if periods is None:
        periods, reports = _periods(agreement)
    states = [
        PeriodState(
            period,
            reports.get(period.pk),
            overdue=period.due_on < today
            and (period.pk not in reports or reports[period.pk].state not in DONE),
        )
        for period in periods
    ]
    tranches = []
    for tranche in agreement.tranches.select_related("payee", "payment", "after_period"):
        payment = _payment(tranche)
        if payment is not None:
            state = TrancheState.PAID
        elif tranche.after_period_id is not None:
            report = reports.get(tranche.after_period_id)
            met = report is not None and report.state == Report.State.ACCEPTED
            if tranche.due_on:
                met = met and tranche.due_on <= today
            state = TrancheState.DUE if met else TrancheState.WAITING
        else:
            state = TrancheState.DUE if tranche.due_on <= today else TrancheState.WAITING
        tranches.append(TrancheState(tranche, payment, state))
    next_report = next((s for s in states if s.report is None or s.report.state not in DONE), None)
    unpaid = [t for t in tranches if t.state != TrancheState.PAID]
    next_tranche = min(
        unpaid,
        key=lambda t: (t.state != TrancheState.DUE, t.expected_on or date.max, t.tranche.pk),
        default=None,
    )
    return Calendar(states, tranches, next_report, next_tranche)


def _payment(tranche):
    try:
        return tranche.payment
    except Tranche.payment.RelatedObjectDoesNotExist:
        return None


def indicators(
    agreement: Agreement, *, include_submitted: bool, periods=None, reports=None
) -> list[Series]:
    """Each indicator's target and value per period: values of accepted reports, and for
    the parties and officers also of submitted ones (marked awaiting verification)."""
    if periods is None:
        periods, reports = _periods(agreement)
    states = [Report.State.ACCEPTED, *([Report.State.SUBMITTED] if include_submitted else [])]
    indicators_ = list(agreement.indicators.all())
    if not indicators_:
        return []
    targets = {
        (t.indicator_id, t.period_id): t.value
        for t in Target.objects.filter(indicator__agreement=agreement)
    }
    shown = {r.pk: r for r in reports.values() if r.state in states}
    values = {
        (v.indicator_id, v.report_id): v.value
        for v in (IndicatorValue.objects.filter(report__in=list(shown)) if shown else ())
    }
    series = []
    for indicator in indicators_:
        points = []
        for period in periods:
            report = reports.get(period.pk)
            value = None
            if report is not None and report.pk in shown:
                value = values.get((indicator.pk, report.pk))
            points.append(
                Point(
                    period,
                    targets.get((indicator.pk, period.pk)),
                    value,
                    awaiting=value is not None and report.state != Report.State.ACCEPTED,
                )
            )
        series.append(Series(indicator, points))
    return series


# --- what a page shows ----------------------------------------------------------------------


@dataclass
class Beneficiaries:
    report: Report
    groups: list  # (group, count shown: an int, or None for "fewer than 3")


def beneficiaries(reports: list[Report], *, public: bool) -> list[Beneficiaries]:
    """The beneficiaries of `reports`; in public, counts below the minimum are not shown."""
    if not reports:
        return []
    found = defaultdict(list)
    for row in BeneficiaryCount.objects.filter(report__in=reports):
        shown = None if public and row.count < BeneficiaryCount.PUBLIC_MINIMUM else row.count
        found[row.report_id].append((group_label(row.group), shown))
    return [Beneficiaries(report, found[report.pk]) for report in reports if found[report.pk]]


@dataclass
class Dashboard:
    agreement: Agreement
    parties: list
    resources: Resources
    indicators: list
    calendar: Calendar
    beneficiaries: list


ROLE_ORDER = {role: n for n, role in enumerate(Party.Role.values)}


def _parties(agreement: Agreement) -> list[Party]:
    """The parties: the public body first, then the lead, then the partners."""
    parties = agreement.parties.select_related("organization").order_by("pk")
    return sorted(parties, key=lambda p: ROLE_ORDER[p.role])


def dashboard(agreement: Agreement, *, today=None) -> Dashboard:
    """Everything the parties' and officers' dashboard shows, in a bounded number of queries."""
    parties = _parties(agreement)
    periods, reports = _periods(agreement)
    return Dashboard(
        agreement,
        parties,
        resources(agreement, parties),
        indicators(agreement, include_submitted=True, periods=periods, reports=reports),
        calendar(agreement, periods=periods, reports=reports, today=today),
        beneficiaries(
            sorted((r for r in reports.values() if r.state in DONE), key=lambda r: r.period.number),
            public=False,
        ),
    )


@dataclass
class Public:
    agreement: Agreement
    parties: list
    resources: Resources
    indicators: list  # series of accepted values only
    reports: list  # accepted reports, with their public summaries
    beneficiaries: list


def public(agreement: Agreement) -> Public:
    """What anyone sees of a signed agreement: accepted reports only, small counts hidden."""
    parties = [p for p in _parties(agreement) if p.active]
    periods, reports = _periods(agreement)
    accepted = sorted(
        (r for r in reports.values() if r.state == Report.State.ACCEPTED),
        key=lambda r: r.period.number,
    )
    return Public(
        agreement,
        parties,
        resources(agreement, parties),
        indicators(agreement, include_submitted=False, periods=periods, reports=reports),
        accepted,
        beneficiaries(accepted, public=True),
    )
