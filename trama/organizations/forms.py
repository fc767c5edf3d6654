from django import forms
from django.utils.translation import gettext_lazy as _

from trama.lib.widgets import QuickSelect
from trama.territories.forms import MunicipalityField
from trama.territories.models import Province, Region

from .models import Membership, Organization
from .services import EDITABLE_FIELDS

# The form edits exactly what the service lets change, in the order of the page.
PROFILE_FIELDS = EDITABLE_FIELDS


class OrganizationForm(forms.ModelForm):
    municipality = MunicipalityField(
        label=_("Municipality"), help_text=_("Where the body has its seat.")
    )
    lead_municipality = MunicipalityField(
        label=_("Lead municipality"),
        required=False,
        help_text=_("Only for a social district (ambito)."),
    )

    class Meta:
        model = Organization
        fields = PROFILE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def _post_clean(self):
        # The service validates the whole organisation (rules between fields, duplicates);
        # the form only parses input, so the same checks hold for the API.
        pass

    def service_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in PROFILE_FIELDS}


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *Organization.Kind.choices],
        widget=QuickSelect,
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        required=False,
        queryset=Region.objects.all(),
        empty_label=_("All regions"),
        widget=QuickSelect,
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        required=False,
        queryset=Province.objects.all(),
        empty_label=_("All provinces"),
        widget=QuickSelect,
    )
    verified = forms.BooleanField(label=_("Verified only"), required=False)

    def filter(self, qs):
        data = self.cleaned_data if self.is_valid() else {}
        qs = qs.search(data.get("q", ""))
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        qs = qs.in_territory(region=data.get("region"), province=data.get("province"))
        if data.get("verified"):
            qs = qs.verified()
        return qs


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial="MEMBER")


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class TwoFactorPolicyForm(forms.Form):
    require_2fa = forms.BooleanField(
        label=_("Require two-factor authentication for every member"), required=False
    )


class ClaimForm(forms.Form):
    message = forms.CharField(
        label=_("Who you are and your role in the body"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )


class AcceptInvitationForm(forms.Form):
    """Accepting an invitation from the personal area: the button is the whole form."""
