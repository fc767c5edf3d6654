"""The queues of entries waiting for someone: actuals to verify, grants to confirm.

The same querysets feed the queue pages and the acts on several entries at once, so what
the page offers to select is exactly what the act accepts.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trama.programs.models import Program

from .measure import with_events
from .models import FunderConfirmation, Kind, LedgerEntry, Source, Verification


def pending_actuals(program):
    """The program's actuals awaiting the public body's verification (not reversed)."""
    return with_events(
        program.entries.filter(
            kind=Kind.ACTUAL, reverses__isnull=True, reversal__isnull=True
        ).select_related("contributor", "program")
    ).filter(verification_status=Verification.Status.PENDING)


def funder_grants(funders):
    """The grants naming one of `funders` that stand (not reversed), with their latest word."""
    return with_events(
        LedgerEntry.objects.filter(
            source=Source.FOUNDATION_GRANT,
            funder__in=funders,
            reverses__isnull=True,
            reversal__isnull=True,
        ).select_related("program", "contributor", "funder")
    )


class FunderQueueForm(forms.Form):
    """The grant queue's filters: program, the funder's word so far, year, and the order."""

    AWAITING, DISPUTED = "awaiting", "disputed"
    OLDEST, NEWEST = "oldest", "newest"

    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("All programs"),
        to_field_name="slug",
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("Awaiting or disputed")),
            (AWAITING, _("Awaiting confirmation")),
            (DISPUTED, _("Disputed")),
        ],
    )
    year = forms.TypedChoiceField(
        label=_("Year"), required=False, coerce=int, empty_value=None, choices=()
    )
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(OLDEST, _("Oldest first")), (NEWEST, _("Newest first"))],
    )

    def __init__(self, data, *, funders):
        super().__init__(data)
        grants = LedgerEntry.objects.filter(
            source=Source.FOUNDATION_GRANT, funder__in=funders
        ).order_by()
        self.fields["program"].queryset = Program.objects.filter(
            pk__in=grants.values("program_id")
        ).order_by("title")
        years = sorted(set(grants.values_list("year", flat=True).distinct()), reverse=True)
        self.fields["year"].choices = [("", _("Any year")), *((y, str(y)) for y in years)]

    def values(self) -> dict:
        """The valid filters; an invalid one is ignored (the page says so), not the others."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    @property
    def newest_first(self) -> bool:
        return self.values().get("order") == self.NEWEST

    def filter(self, grants):
        values = self.values()
        state = values.get("state")
        if state == self.AWAITING:
            grants = grants.filter(confirmation_status__isnull=True)
        elif state == self.DISPUTED:
            grants = grants.filter(confirmation_status=FunderConfirmation.Status.DISPUTED)
        else:
            grants = grants.filter(
                Q(confirmation_status__isnull=True)
                | Q(confirmation_status=FunderConfirmation.Status.DISPUTED)
            )
        if "program" in values:
            grants = grants.filter(program=values["program"])
        if "year" in values:
            grants = grants.filter(year=values["year"])
        pk = "-pk" if self.newest_first else "pk"
        # Grouped by program: the page shows one table per program, in this order.
        return grants.order_by("program__title", "program_id", pk)
