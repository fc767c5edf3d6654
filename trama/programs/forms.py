from django import forms
from django.utils.translation import gettext_lazy as _

from trama.lib.fields import RowChoiceField
from trama.organizations.models import Organization

from .models import MAX_YEAR, MIN_YEAR, Area


class ProgramForm(forms.Form):
    owner = RowChoiceField(
        label=_("Public body"), queryset=Organization.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    area = forms.ChoiceField(label=_("Area"), choices=Area.choices, initial=Area.SOCIAL_WELFARE)
    start_year = forms.IntegerField(label=_("First year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    end_year = forms.IntegerField(label=_("Last year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
