from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EventKind


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label=_("Receiver's address"),
        max_length=500,
        help_text=_("An https:// address of your system that accepts POST requests."),
        widget=forms.URLInput(attrs={"placeholder": "https://protocollo.example.it/trama"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What system receives the events, for whoever reads this list later."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )


class ConfirmForm(forms.Form):
    """Every POST goes through a form, even one with no field."""
