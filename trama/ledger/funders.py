"""A funder's view: the programs and procedures its grants are part of, and their figures.

The totals of its grants come from the roll-ups at the `funder` level; the public money and
additional resources around them from the roll-ups of the programs it co-funds. Which
programs and procedures those are, and how its grants stand (confirmed, awaiting, disputed),
is read from the funder's own grants (the `funder` index), never from the whole ledger.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.utils.translation import gettext_lazy as _

from trama.organizations.models import Organization
from trama.programs.models import Program

from .figures import ZERO, Basis, Figures, Scope, check_years, compute_figures, exact
from .measure import with_measure
from .models import FunderConfirmation, Kind, LedgerEntry, LedgerTotal, Level, Source
from .vocabulary import ADDITIONAL_SOURCES

CONFIRMED, AWAITING, DISPUTED = "confirmed", "awaiting", "disputed"
STATE_LABELS = {
    CONFIRMED: _("Grants confirmed by the funder"),
    AWAITING: _("Grants awaiting the funder's word"),
    DISPUTED: _("Grants disputed by the funder"),
}
STATE_OF = {
    FunderConfirmation.Status.CONFIRMED: CONFIRMED,
    None: AWAITING,
    FunderConfirmation.Status.DISPUTED: DISPUTED,
}


@dataclass
class CoFunded:
    """One program the funder's grants are part of, with its own figures on the basis."""

    program: Program
    procedures: list = field(default_factory=list)  # (id, title) of the procedures named
    grants: Decimal = ZERO  # this funder's grants in it, on the basis
    public: Decimal = ZERO
    other_public: Decimal = ZERO
    additional: Decimal = ZERO

    @property
    def leverage(self) -> Decimal | None:
        return exact(self.additional * 100 / self.public) if self.public > 0 else None


@dataclass
class GrantState:
    """The funder's grants in one state: pledges and actuals, never added together."""

    state: str
    pledged: Decimal = ZERO
    pledges: int = 0
    actual: Decimal = ZERO
    actuals: int = 0

    @property
    def label(self):
        return STATE_LABELS[self.state]


@dataclass
class FunderView:
    funder: Organization
    basis: str
    year_from: int | None
    year_to: int | None
    grants: Figures  # its grants alone: by year, category, the bodies that won them, states
    programs: list[CoFunded] = field(default_factory=list)
    states: list[GrantState] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.grants.has_data

    @property
    def public(self) -> Decimal:
        return sum((p.public for p in self.programs), ZERO)

    @property
    def other_public(self) -> Decimal:
        return sum((p.other_public for p in self.programs), ZERO)

    @property
    def additional(self) -> Decimal:
        return sum((p.additional for p in self.programs), ZERO)

    @property
    def leverage(self) -> Decimal | None:
        """The co-funded programs' additional resources over their public money, in %."""
        return exact(self.additional * 100 / self.public) if self.public > 0 else None

    @property
    def multiplier(self) -> Decimal | None:
        public = self.public
        return exact((public + self.additional) / public) if public > 0 else None

    @property
    def basis_label(self):
        return Basis.LABELS[self.basis]

    @property
    def awaiting(self) -> int:
        """How many of its grants wait for the funder's word (its queue lists them)."""
        state = self.state(AWAITING)
        return state.pledges + state.actuals

    def state(self, name: str) -> GrantState:
        return next(s for s in self.states if s.state == name)


def _grant_rows(funder, year_from, year_to):
    """The funder's grants that stand (not reversed), grouped as the view needs them."""
    grants = LedgerEntry.objects.filter(
        funder=funder,
        source=Source.FOUNDATION_GRANT,
        reverses__isnull=True,
        reversal__isnull=True,
    )
    if year_from:
        grants = grants.filter(year__gte=year_from)
    if year_to:
        grants = grants.filter(year__lte=year_to)
    return (
        with_measure(grants.order_by())
        .values("program_id", "procedure_id", "kind", "measure", "confirmation_status")
        .annotate(total=Sum("amount"), count=Count("pk"), procedure_title=F("procedure__title"))
        .order_by()
    )


def funder_view(
    funder: Organization,
    *,
    basis: str = Basis.ACCEPTED,
    year_from: int | None = None,
    year_to: int | None = None,
) -> FunderView:
    """What a funder's grants are part of: programs, procedures, figures around them, states."""
    check_years(year_from, year_to)
    span = {"basis": basis, "year_from": year_from, "year_to": year_to}
    view = FunderView(
        funder, basis, year_from, year_to, compute_figures(Scope(Level.FUNDER, funder.pk), **span)
    )
    states = {name: GrantState(name) for name in (CONFIRMED, AWAITING, DISPUTED)}
    grants_in = defaultdict(lambda: ZERO)
    procedures = defaultdict(dict)
    for row in _grant_rows(funder, year_from, year_to):
        state = states[STATE_OF[row["confirmation_status"]]]
        if row["kind"] == Kind.PLEDGE:
            state.pledged += row["total"]
            state.pledges += row["count"]
        else:
            state.actual += row["total"]
            state.actuals += row["count"]
        if row["measure"] == basis:
            grants_in[row["program_id"]] += row["total"]
        if row["procedure_id"]:
            procedures[row["program_id"]][row["procedure_id"]] = row["procedure_title"]
        else:
            procedures[row["program_id"]]
    view.states = list(states.values())
    programs = Program.objects.filter(pk__in=list(procedures)).select_related("owner")
    by_program = {
        program.pk: CoFunded(
            program,
            sorted(procedures[program.pk].items(), key=lambda kv: kv[0]),
            grants_in[program.pk],
        )
        for program in programs
    }
    totals = LedgerTotal.objects.filter(
        level=Level.PROGRAM, scope_id__in=list(by_program), measure=basis
    )
    if year_from:
        totals = totals.filter(year__gte=year_from)
    if year_to:
        totals = totals.filter(year__lte=year_to)
    for row in totals.values("scope_id", "source").annotate(total=Sum("amount")).order_by():
        program = by_program[row["scope_id"]]
        if row["source"] == Source.PUBLIC_OWNER:
            program.public += row["total"]
        elif row["source"] == Source.OTHER_PUBLIC:
            program.other_public += row["total"]
        elif row["source"] in ADDITIONAL_SOURCES:
            program.additional += row["total"]
    view.programs = sorted(
        by_program.values(), key=lambda p: (-p.program.start_year, p.program.title)
    )
    return view
