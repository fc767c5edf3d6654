from django import forms
from django.utils.translation import gettext_lazy as _

from trama.ledger.vocabulary import Category, Source
from trama.lib.forms import ServiceErrorsMixin
from trama.organizations.models import Organization
from trama.programs.models import Area
from trama.territories.models import Region

from .models import Procedure


class CallFilterForm(forms.Form):
    deadline_before = forms.DateField(
        label=_("Deadline by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    area = forms.ChoiceField(
        label=_("Area"), required=False, choices=[("", _("All areas"))] + list(Area.choices)
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        required=False,
        queryset=Region.objects.order_by("name"),
        empty_label=_("All regions"),
    )
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("open", _("Open calls")), ("all", _("All published calls"))],
    )


class CallForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Procedure.Kind.CO_DESIGN, Procedure.Kind.CO_DESIGN.label),
            (Procedure.Kind.CO_PROGRAMMING, Procedure.Kind.CO_PROGRAMMING.label),
        ],
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Object of the call"), widget=forms.Textarea(attrs={"rows": 4})
    )
    objectives = forms.CharField(
        label=_("Objectives"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    territory = forms.CharField(label=_("Territory"), required=False, max_length=200)
    duration_months = forms.IntegerField(
        label=_("Duration (months)"), required=False, min_value=1, max_value=240
    )
    requirements = forms.CharField(
        label=_("Admission requirements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("By default: Third-Sector bodies registered in RUNTS."),
    )
    non_ets_partners = forms.BooleanField(
        label=_("Non-ETS supporters and funders may join as partners"), required=False
    )
    deadline = forms.DateTimeField(
        label=_("Deadline for proposals"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Italian time (Europe/Rome)."),
    )
    clarification_deadline = forms.DateTimeField(
        label=_("Deadline for questions"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    budget = forms.CharField(
        label=_("Public budget by year"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One year per line, as “year: amount”, e.g. “2027: 150000”."),
    )
    min_score = forms.DecimalField(
        label=_("Minimum score to be selected"), required=False, min_value=0, decimal_places=2
    )
    criteria = forms.CharField(
        label=_("Evaluation criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line, as “title | maximum points”, e.g. “Quality of the project | 60”."
        ),
    )

    def clean_budget(self):
        budget = {}
        for number, line in enumerate(self.cleaned_data["budget"].splitlines(), 1):
            if not line.strip():
                continue
            year, _sep, amount = line.partition(":")
            if not year.strip().isdigit() or not amount.strip():
                raise forms.ValidationError(_("Line %(n)s: write “year: amount”.") % {"n": number})
            amount = amount.strip()
            if "," in amount:  # Italian style: 150.000,50
                amount = amount.replace(".", "").replace(",", ".")
            budget[int(year)] = amount
        return budget

    def clean_criteria(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), 1):
            if not line.strip():
                continue
            title, _sep, points = line.rpartition("|")
            if not title.strip() or not points.strip():
                raise forms.ValidationError(
                    _("Line %(n)s: write “title | maximum points”.") % {"n": number}
                )
            rows.append({"title": title.strip(), "max_points": points.strip()})
        return rows

    def clean(self):
        data = super().clean()
        if data.get("kind") == Procedure.Kind.CO_DESIGN and not data.get("criteria"):
            self.add_error("criteria", _("Add at least one evaluation criterion."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ExtendForm(ReasonForm):
    deadline = forms.DateTimeField(
        label=_("New deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Your question"), widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


class ReceiptCheckForm(forms.Form):
    number = forms.CharField(label=_("Receipt number"), max_length=40)
    sha256 = forms.RegexField(
        label=_("SHA-256"),
        regex=r"^[0-9a-fA-F]{64}$",
        error_messages={"invalid": _("A SHA-256 is 64 hexadecimal characters.")},
    )


class ProposalStartForm(forms.Form):
    lead = forms.ModelChoiceField(label=_("Lead body"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title of the proposal"), max_length=200)

    def __init__(self, *args, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads


class BudgetLineForm(forms.Form):
    contributor = forms.ModelChoiceField(label=_("Partner"), queryset=None, empty_label=None)
    source = forms.ChoiceField(label=_("Source"))
    category = forms.ChoiceField(label=_("Category"))
    year = forms.IntegerField(label=_("Year"))
    description = forms.CharField(label=_("Resource"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount (€)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    quantity = forms.DecimalField(
        label=_("Quantity (in kind)"), required=False, min_value=0, decimal_places=2
    )
    unit_value = forms.DecimalField(
        label=_("Unit value (€, in kind)"), required=False, min_value=0, decimal_places=2
    )
    funder = forms.ModelChoiceField(
        label=_("Funder (for a foundation grant)"), queryset=None, required=False
    )

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contributor"].queryset = Organization.objects.filter(
            pk__in=proposal.partners.values("organization")
        )
        self.fields["source"].choices = [
            (s.value, s.label)
            for s in (Source.OWN_RESOURCES, Source.FOUNDATION_GRANT, Source.PRIVATE_DONATIONS)
        ]
        self.fields["category"].choices = Category.choices
        self.fields["funder"].queryset = Organization.objects.filter(kind=Organization.Kind.FUNDER)


class PartnerForm(forms.Form):
    tax_code = forms.CharField(label=_("Tax code of the partner body"), max_length=16)


class HistoricalProcedureForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Procedure.Kind.choices, initial=Procedure.Kind.CO_DESIGN
    )
    reference = forms.CharField(
        label=_("Reference number"),
        max_length=80,
        required=False,
        help_text=_("The number of the act that opened it, if any."),
    )
    opened_on = forms.DateField(
        label=_("Opened on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    closed_on = forms.DateField(
        label=_("Closed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
