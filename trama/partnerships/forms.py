"""Forms of partnerships, share acts and territories: each parses one request for a service."""

from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from trama.ledger.forms import FiguresForm
from trama.lib.fields import NumberField
from trama.lib.numbers import Bounds
from trama.organizations.models import Organization, ShareAct
from trama.programs.models import Program

from .models import Partnership

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SHARE = Bounds(decimals=2, maximum=Decimal("100"))


def find_organization(text: str) -> Organization | None:
    """An organisation named by its tax code (codice fiscale) or its short name."""
    text = (text or "").strip()
    return Organization.objects.named([text]).get(text) if text else None


class PartnershipForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the partnership does, where, and since when."),
    )


class ContractualForm(PartnershipForm):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    formed_on = forms.DateField(
        label=_("Formed on"),
        widget=DATE,
        help_text=_("The date of the first agreement signed with the Third-Sector partners."),
    )
    field_order = ["program", "name", "formed_on", "description"]

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Leave empty to call it after the program.")


class InstitutionalForm(PartnershipForm):
    owner = forms.ModelChoiceField(
        label=_("Public body that records it"), queryset=Organization.objects.none()
    )
    entity = forms.CharField(
        label=_("The entity's tax code"),
        max_length=80,
        help_text=_(
            "The social enterprise, participation foundation, consortium or company: it must "
            "be registered on Trama."
        ),
    )
    grew_from = forms.ModelChoiceField(
        label=_("Grew from the contractual partnership"),
        queryset=Partnership.objects.none(),
        required=False,
    )
    formed_on = forms.DateField(
        label=_("Created on"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty to take the date of its constitution in the members' shares."),
    )
    field_order = ["owner", "entity", "name", "formed_on", "grew_from", "description"]

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["grew_from"].queryset = Partnership.objects.filter(
            kind=Partnership.Kind.CONTRACTUAL, owner__in=owners
        ).order_by("name")
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Leave empty to use the entity's name.")

    def clean_entity(self):
        entity = find_organization(self.cleaned_data["entity"])
        if entity is None:
            raise forms.ValidationError(
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("No organisation with this tax code is on Trama."),
                    reverse("organizations:create"),
                    _("Register it first."),
                ),
                code="entity_not_on_trama",
            )
        return entity


class CoordinatorForm(forms.Form):
    name = forms.CharField(label=_("Name and surname"), max_length=150)
    role = forms.CharField(label=_("Role"), max_length=150, required=False)
    organization = forms.ModelChoiceField(label=_("Body"), queryset=Organization.objects.none())
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = bodies


class HoldingForm(forms.Form):
    member = forms.CharField(
        label=_("Member (tax code or short name)"), max_length=80, required=False, strip=True
    )
    share = NumberField(bounds=SHARE, label=_("Share (%)"), required=False)

    def clean(self):
        data = super().clean()
        text, share = data.get("member"), data.get("share")
        if not text and share is None:
            return data
        if not text:
            self.add_error("member", _("Name the member who holds this share."))
            return data
        member = find_organization(text)
        if member is None:
            self.add_error(
                "member",
                _("No organisation with tax code %(code)s is on Trama: invite it to register.")
                % {"code": text},
            )
        elif share is None:
            self.add_error("share", _("Give %(member)s's share.") % {"member": member.name})
        data["organization"] = member
        return data


HoldingFormSet = forms.formset_factory(HoldingForm, extra=3, max_num=40)


class ShareActForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of act"),
        choices=[c for c in ShareAct.Kind.choices if c[0] != ShareAct.Kind.ANNULMENT],
    )
    date = forms.DateField(label=_("Date of the act"), widget=DATE)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=150,
        required=False,
        help_text=_("Deed, resolution or register entry."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AnnulForm(forms.Form):
    reason = forms.CharField(label=_("Why it is annulled"), max_length=300)


class SharesOnForm(forms.Form):
    on = forms.DateField(label=_("Shares on"), widget=DATE, required=False)


class CompareForm(FiguresForm):
    t = forms.CharField(required=False)

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.keys = data.getlist("t") if data is not None else []
        self.fields["t"].widget = forms.HiddenInput()
