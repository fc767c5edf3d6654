from django import forms

from .models import Delivery, Preference
from .services import kinds_for


class ActForm(forms.Form):
    """A button's POST (open, mark read): nothing to type, the CSRF check still applies."""


class PreferencesForm(forms.Form):
    """One choice per kind of event: an e-mail at once, a daily digest, or only the inbox."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
        for kind in kinds_for(user):
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=chosen.get(kind.value, Delivery.IMMEDIATE),
            )
