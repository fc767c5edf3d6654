"""Forms of the table's budget plan and of the agreement: each parses one POST for a service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from trama.ledger.models import ReferenceRate, Unit
from trama.ledger.vocabulary import Category, Source
from trama.lib.fields import AmountField, NumberField, RowChoiceField
from trama.lib.numbers import QUANTITY, UNIT_VALUE
from trama.lib.widgets import QuickSelect
from trama.organizations.models import Organization

from .models import Party, Tranche

MIN_YEAR, MAX_YEAR = 2000, 2100
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanLineForm(forms.Form):
    contributor = RowChoiceField(label=_("Contributor"), queryset=None, empty_label=None)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, widget=QuickSelect)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, widget=QuickSelect)
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    description = forms.CharField(
        label=_("Resource"),
        max_length=300,
        help_text=_("Money, staff, spaces, equipment: what it is and what it is for."),
    )
    amount = AmountField(
        label=_("Amount (€)"),
        required=False,
        help_text=_("Type it the Italian way: 150.000,00. For in kind, leave it empty."),
    )
    quantity = NumberField(bounds=QUANTITY, label=_("Quantity (in kind)"), required=False)
    unit = forms.ChoiceField(
        label=_("Unit (in kind)"), choices=[("", "—"), *Unit.choices], required=False
    )
    unit_value = NumberField(bounds=UNIT_VALUE, label=_("Unit value (€, in kind)"), required=False)
    rate = RowChoiceField(
        label=_("Reference rate (in kind)"),
        queryset=ReferenceRate.objects.all(),
        required=False,
        help_text=_("Instead of a unit value: the rate's value is used and frozen."),
    )
    funder = RowChoiceField(
        label=_("Funder (for a foundation grant)"), queryset=None, required=False
    )
    grant_reference = forms.CharField(label=_("Grant"), max_length=150, required=False)

    def __init__(self, *args, contributors, procedure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contributor"].queryset = Organization.objects.filter(
            pk__in=contributors
        ).order_by("name")
        self.fields["funder"].queryset = Organization.objects.filter(
            kind=Organization.Kind.FUNDER
        ).order_by("name")
        program = procedure.program
        self.fields["year"].min_value = program.start_year
        self.fields["year"].max_value = program.end_year
        self.fields["year"].initial = program.start_year
        if contributors == {procedure.owner_id}:
            self.fields["source"].choices = [(Source.PUBLIC_OWNER, Source.PUBLIC_OWNER.label)]
        elif procedure.owner_id not in contributors:
            self.fields["source"].choices = [
                c for c in Source.choices if c[0] != Source.PUBLIC_OWNER
            ]
            self.fields["source"].initial = Source.OWN_RESOURCES


class AgreementForm(forms.Form):
    object = forms.CharField(label=_("Object"), widget=forms.Textarea(attrs={"rows": 4}))
    starts_on = forms.DateField(label=_("Start date"), widget=DATE)
    ends_on = forms.DateField(label=_("End date"), widget=DATE)
    governance = forms.CharField(
        label=_("Governance"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    obligations = forms.CharField(
        label=_("Obligations of the parties"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end comes before the start."))
        return data


class RepresentativeForm(forms.Form):
    representative_name = forms.CharField(label=_("Legal representative"), max_length=200)
    representative_tax_code = forms.CharField(
        label=_("Legal representative's tax code"), max_length=16, required=False
    )


class PartyForm(RepresentativeForm):
    """The RUP's form of a party: its representative and the art. 27 data."""

    receives_public_money = forms.BooleanField(label=_("Receives public money"), required=False)
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=300,
        required=False,
        help_text=_("D.Lgs. 33/2013, art. 27: the rule or act the contribution rests on."),
    )
    office = forms.CharField(label=_("Office responsible"), max_length=200, required=False)
    official = forms.CharField(label=_("Official responsible"), max_length=200, required=False)
    selection_method = forms.CharField(label=_("Selection method"), max_length=300, required=False)


class AddPartyForm(forms.Form):
    """A body joins by its tax code: the whole register would be too long a list."""

    tax_code = forms.CharField(
        label=_("Tax code of the body"),
        max_length=16,
        help_text=_("The body must be registered on Trama."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Party.Role.PARTNER, Party.Role.PARTNER.label),
            (Party.Role.LEAD, Party.Role.LEAD.label),
        ],
    )

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement

    def clean(self):
        data = super().clean()
        code = (data.pop("tax_code", "") or "").strip().upper()
        if code:
            organization = Organization.objects.filter(tax_code__iexact=code).first()
            if organization is None:
                self.add_error("tax_code", _("No body on Trama has this tax code."))
            else:
                data["organization"] = organization
        return data


class SteeringForm(forms.Form):
    organization = RowChoiceField(label=_("Party"), queryset=None, empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.CharField(label=_("Role"), max_length=200, required=False)

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            pk__in=agreement.parties.filter(active=True).values("organization")
        ).order_by("name")


class ClauseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))


class PeriodForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("To"), widget=DATE)
    due_on = forms.DateField(label=_("Report due on"), widget=DATE)
    is_final = forms.BooleanField(label=_("Final report"), required=False)


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("Indicator"), max_length=200)
    unit = forms.CharField(label=_("Unit of measure"), max_length=50)
    baseline = NumberField(bounds=QUANTITY, label=_("Baseline"), required=False)


class TargetForm(forms.Form):
    """A target for one period; the periods are read once for every indicator's form."""

    period = forms.TypedChoiceField(label=_("Period"), coerce=int)
    value = NumberField(bounds=QUANTITY, label=_("Target"))

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = {p.pk: p for p in periods}
        self.fields["period"].choices = [(p.pk, str(p)) for p in periods]

    def clean_period(self):
        return self.periods[self.cleaned_data["period"]]


class TrancheForm(forms.Form):
    kind = forms.ChoiceField(label=_("Tranche"), choices=Tranche.Kind.choices)
    payee = RowChoiceField(label=_("Payee"), queryset=None, empty_label=None)
    amount = AmountField(label=_("Amount (€)"))
    after_period = RowChoiceField(
        label=_("After the accepted report of"), queryset=None, required=False
    )
    due_on = forms.DateField(label=_("Or from the date"), widget=DATE, required=False)

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payee"].queryset = Organization.objects.filter(
            pk__in=agreement.parties.filter(active=True)
            .exclude(role=Party.Role.PUBLIC_BODY)
            .values("organization")
        ).order_by("name")
        self.fields["after_period"].queryset = agreement.periods.all()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ConfirmForm(forms.Form):
    """A review whose act takes nothing but the confirmation."""


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), widget=forms.Textarea(attrs={"rows": 3})
    )


class SignedCopyForm(forms.Form):
    party = RowChoiceField(label=_("Party"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=_("Signed copy"),
        help_text=_("The PDF of this version signed digitally: a .p7m file or a signed PDF."),
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.filter(
            pk__in=[p.pk for p in parties]
        ).select_related("organization")
        self.fields["party"].label_from_instance = lambda p: p.organization.name
