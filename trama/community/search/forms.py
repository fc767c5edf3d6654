from django import forms
from django.utils.translation import gettext_lazy as _

from .providers import PROVIDERS

MAX_QUERY = 200


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), max_length=MAX_QUERY, required=False, strip=True,
        error_messages={"max_length": _("Search with at most %(limit_value)d characters.")},
    )  # fmt: skip
    tipo = forms.ChoiceField(label=_("Type"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tipo"].choices = [("", _("Everything"))] + [
            (kind, provider.label) for kind, provider in PROVIDERS.items()
        ]
