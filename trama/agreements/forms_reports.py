"""Forms of co-production: the report draft, a party's resource line, verification,
payments and the closing acts. Each parses a POST; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from trama.ledger.forms import EntryForm
from trama.lib.fields import AmountField, NumberField
from trama.lib.numbers import QUANTITY, format_amount

from .beneficiaries import Group, check_label
from .services.reports import Beneficiaries

BENEFICIARY_ROWS = 6


class ReportForm(forms.Form):
    activities = forms.CharField(
        label=_("Activities carried out"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20000,
    )
    public_summary = forms.CharField(
        label=_("Public summary"),
        help_text=_("Published on the agreement's public page: write it for everyone."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
    )

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"indicator_{indicator.pk}"] = NumberField(
                label=f"{indicator.name} ({indicator.unit})",
                bounds=QUANTITY,
                required=False,
            )
        group_choices = [("", _("— no group —")), *Group.choices]
        for i in range(BENEFICIARY_ROWS):
            self.fields[f"group_{i}"] = forms.ChoiceField(
                label=_("Group %(n)s") % {"n": i + 1}, choices=group_choices, required=False
            )
            self.fields[f"label_{i}"] = forms.CharField(
                label=_("Description, for “other” (group %(n)s)") % {"n": i + 1},
                max_length=60,
                required=False,
            )
            self.fields[f"count_{i}"] = forms.IntegerField(
                label=_("Number of people (group %(n)s)") % {"n": i + 1},
                min_value=0,
                max_value=10_000_000,
                required=False,
            )

    def indicator_fields(self):
        return [self[f"indicator_{i.pk}"] for i in self.indicators]

    def beneficiary_rows(self):
        return [
            (self[f"group_{i}"], self[f"label_{i}"], self[f"count_{i}"])
            for i in range(BENEFICIARY_ROWS)
        ]

    def clean(self):
        data = super().clean()
        rows = []
        for i in range(BENEFICIARY_ROWS):
            group, label, count = (
                data.get(f"group_{i}"),
                data.get(f"label_{i}", ""),
                data.get(f"count_{i}"),
            )
            if not group:
                if count:
                    self.add_error(f"group_{i}", _("Choose the group these people belong to."))
                continue
            if count is None:
                self.add_error(f"count_{i}", _("Give the number of people."))
                continue
            if group == Group.OTHER:
                try:
                    label = check_label(label)
                except ValidationError as exc:
                    self.add_error(f"label_{i}", exc)
                    continue
            rows.append(Beneficiaries(group=group, count=count, label=label))
        data["beneficiaries"] = rows
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "activities": data["activities"],
            "public_summary": data["public_summary"],
            "indicator_values": {i.pk: data.get(f"indicator_{i.pk}") for i in self.indicators},
            "beneficiaries": data["beneficiaries"],
        }

    @classmethod
    def initial_for(cls, report) -> dict:
        initial = {"activities": report.activities, "public_summary": report.public_summary}
        for value in report.indicator_values.all():
            initial[f"indicator_{value.indicator_id}"] = value.value
        for i, count in enumerate(report.beneficiaries.all()[:BENEFICIARY_ROWS]):
            if count.group.startswith("OTHER:"):
                initial[f"group_{i}"], initial[f"label_{i}"] = "OTHER", count.group[6:]
            else:
                initial[f"group_{i}"] = count.group
            initial[f"count_{i}"] = count.count
        return initial


class LineForm(EntryForm):
    """A party's actual resource: the ledger's entry form, for the report's period and bodies."""

    def __init__(self, *args, program, contributors, period, **kwargs):
        super().__init__(*args, program=program, contributors=contributors, **kwargs)
        del self.fields["kind"]
        del self.fields["procedure"]
        years = [y for y in program.years if period.starts_on.year <= y <= period.ends_on.year]
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["evidence"].help_text = _(
            "PDF, PNG, JPEG, XLSX, CSV or signed P7M, up to 10 MB. Seen only by the parties "
            "and the public body; it is attached to the ledger entry when the report is "
            "submitted."
        )

    def line_fields(self) -> dict:
        fields = self.service_fields()
        fields.pop("kind", None)
        fields.pop("procedure", None)
        fields["evidence"] = self.cleaned_data.get("evidence")
        return fields


class RemoveLineForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VerifyForm(forms.Form):
    ACCEPT, CHANGES = "accept", "changes"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ACCEPT, _("Accept the report and every resource in it")),
            (CHANGES, _("Request changes")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reasons"),
        help_text=_("Required to request changes when no line is named below."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.CharField(
                label=_("What to correct: %(body)s, %(amount)s")
                % {"body": line.contributor.name, "amount": format_amount(line.amount)},
                required=False,
                max_length=300,
                help_text=_("Leave empty to keep this line as it is."),
            )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        accept = data["decision"] == self.ACCEPT
        lines = {}
        if not accept:
            lines = {
                line.pk: data[f"line_{line.pk}"] for line in self.lines if data[f"line_{line.pk}"]
            }
        return {"accept": accept, "reason": data["reason"], "lines": lines}


class PaymentForm(forms.Form):
    paid_on = forms.DateField(
        label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    amount = AmountField(label=_("Amount (€)"), help_text=_("E.g. 15.000,00."))
    order_number = forms.CharField(label=_("Payment order number"), max_length=80)


class CloseForm(forms.Form):
    act_number = forms.CharField(label=_("Act number"), max_length=80)
    act_date = forms.DateField(
        label=_("Act date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reasons = forms.CharField(
        label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class TerminateForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons for ending early"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    act_number = forms.CharField(label=_("Act number"), max_length=80, required=False)
    act_date = forms.DateField(
        label=_("Act date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
    )
