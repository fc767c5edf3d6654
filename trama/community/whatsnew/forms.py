from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

# The periods one may look back over, by their word in the address (?da=mese): how far,
# the choice's label, and what the page says when the period brought nothing.
PERIODS = {
    "settimana": (
        timedelta(days=7),
        _("Last week"),
        _("Nothing new in what you follow in the last week."),
    ),
    "mese": (
        timedelta(days=30),
        _("Last month"),
        _("Nothing new in what you follow in the last month."),
    ),
    "trimestre": (
        timedelta(days=90),
        _("Last three months"),
        _("Nothing new in what you follow in the last three months."),
    ),
}
DEFAULT = "settimana"


class SinceForm(forms.Form):
    da = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[(key, label) for key, (_delta, label, _nothing) in PERIODS.items()],
    )

    def period(self) -> str:
        """The chosen period's word; the last week when none (or a wrong one) is given."""
        if self.is_valid() and self.cleaned_data.get("da"):
            return self.cleaned_data["da"]
        return DEFAULT

    def since(self, now):
        return now - PERIODS[self.period()][0]
