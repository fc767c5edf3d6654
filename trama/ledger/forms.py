from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from trama.lib.fields import AmountField, NumberField, RowChoiceField
from trama.lib.numbers import QUANTITY, UNIT_VALUE
from trama.organizations.models import Organization
from trama.programs.models import MAX_YEAR, MIN_YEAR

from .figures import Basis, check_years
from .measure import in_measure
from .models import Category, Kind, ReferenceRate, Source, Unit
from .services import check_evidence
from .vocabulary import ADDITIONAL_SOURCES

ADDITIONAL = "ADDITIONAL"  # pseudo-source for the entry list: every additional source


class EntryForm(forms.Form):
    MONEY, IN_KIND = "MONEY", "IN_KIND"

    kind = forms.ChoiceField(
        label=_("Kind"), choices=Kind.choices, initial=Kind.ACTUAL, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    source = forms.ChoiceField(
        label=_("Source"),
        choices=Source.choices,
        initial=Source.OWN_RESOURCES,
        help_text=_(
            "Only the program's public body records its own budget; other public bodies "
            "record other public funds; everyone else records additional resources."
        ),
    )
    contributor = RowChoiceField(label=_("Contributor"), queryset=Organization.objects.none())
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    procedure = RowChoiceField(
        label=_("Procedure"),
        queryset=None,
        required=False,
        empty_label=_("The whole program"),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    valuation = forms.ChoiceField(
        label=_("How it is valued"),
        choices=[(MONEY, _("An amount of money")), (IN_KIND, _("In kind: quantity × unit value"))],
        initial=MONEY,
        widget=forms.RadioSelect,
    )
    amount = AmountField(
        label=_("Amount (€)"),
        required=False,
        help_text=_("Greater than zero, at most two decimals, e.g. 150.000,00."),
    )
    quantity = NumberField(
        label=_("Quantity"),
        bounds=QUANTITY,
        required=False,
        help_text=_("Hours, days, square metres × months or items."),
    )
    rate = RowChoiceField(
        label=_("Reference rate"),
        queryset=ReferenceRate.objects.none(),
        required=False,
        empty_label=_("None: I give the unit value"),
        help_text=_("The rate sets the unit and the unit value; it must be valid in the year."),
    )
    unit = forms.ChoiceField(
        label=_("Unit"), required=False, choices=[("", _("From the reference rate")), *Unit.choices]
    )
    unit_value = NumberField(
        label=_("Unit value (€)"),
        bounds=UNIT_VALUE,
        required=False,
        help_text=_("Only without a reference rate."),
    )
    funder = RowChoiceField(
        label=_("Funder"),
        queryset=Organization.objects.filter(kind=Organization.Kind.FUNDER).only("pk", "name"),
        required=False,
        help_text=_("The foundation whose call granted the money."),
    )
    grant_reference = forms.CharField(
        label=_("Grant"),
        max_length=150,
        required=False,
        help_text=_("The call and the project's number at the funder."),
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_(
            "PDF, PNG, JPEG, XLSX, CSV or signed P7M, up to 10 MB. Seen only by the "
            "contributor, the program's public body and, for a grant, the funder."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.xlsx,.csv,.p7m"}),
    )

    def __init__(self, *args, program, contributors, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["contributor"].queryset = contributors
        self.fields["year"].choices = [(y, str(y)) for y in reversed(program.years)]
        self.fields["procedure"].queryset = program.procedures.only("pk", "title", "program_id")
        self.fields["rate"].queryset = ReferenceRate.objects.filter(
            valid_from__year__lte=program.end_year
        ).exclude(valid_to__year__lt=program.start_year)
        self.fields["rate"].label_from_instance = self._rate_label

    @staticmethod
    def _rate_label(rate):
        until = rate.valid_to.year if rate.valid_to else "…"
        return f"{rate} ({rate.valid_from.year}–{until})"

    def clean_evidence(self):
        """Refused here, before the entry is recorded: the same check the service makes."""
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return None
        try:
            check_evidence(upload)
        except ValidationError as exc:
            raise ValidationError(exc.error_dict["evidence"]) from None
        return upload

    def clean(self):
        data = super().clean()
        if data.get("valuation") == self.IN_KIND and not data.get("quantity"):
            self.add_error(
                "quantity", ValidationError(_("Give the quantity."), code="quantity_required")
            )
        return data

    def service_fields(self) -> dict:
        """The arguments of record_entry: only the value and grant fields that apply."""
        data = self.cleaned_data
        fields = {
            name: data.get(name)
            for name in ("kind", "category", "source", "contributor", "year", "procedure")
        }
        fields["description"] = data.get("description", "")
        if data.get("valuation") == self.IN_KIND:
            fields |= {
                "quantity": data.get("quantity"),
                "unit": data.get("unit") or "",
                "unit_value": data.get("unit_value") or None,
                "rate": data.get("rate"),
            }
        else:
            fields["amount"] = data.get("amount")
        if data.get("source") == Source.FOUNDATION_GRANT:
            fields["funder"] = data.get("funder")
            fields["grant_reference"] = data.get("grant_reference", "")
        return fields


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class VerifyForm(ReasonForm):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )


class ConfirmForm(ReasonForm):
    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm")), ("dispute", _("Dispute"))], widget=forms.HiddenInput
    )


class FiguresForm(forms.Form):
    """Basis and year range of a dashboard.

    A year out of bounds or an inverted range is refused: the page shows the error and no
    figures (`refused`), never figures for other years than the ones asked.
    """

    # The same words as the figures export (?view=figures&basis=…).
    BASES = {"accepted": Basis.ACCEPTED, "pledged": Basis.PLEDGED}

    basis = forms.ChoiceField(
        label=_("Basis"),
        choices=[("accepted", _("Accepted actuals")), ("pledged", _("Pledges"))],
        required=False,
        initial="accepted",
        widget=forms.RadioSelect,
    )
    year_from = forms.IntegerField(
        label=_("From year"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    year_to = forms.IntegerField(
        label=_("To year"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR
    )

    def __init__(self, data=None, *args, years: range | None = None, **kwargs):
        if data is not None and not data.get("basis"):
            # Years asked without a basis are on the default one, and the page shows it.
            data = data.copy()
            data["basis"] = "accepted"
        super().__init__(data, *args, **kwargs)
        if years:
            for name in ("year_from", "year_to"):
                self.fields[name].widget.attrs |= {"min": years.start, "max": years.stop - 1}

    def clean(self):
        data = super().clean()
        try:
            check_years(data.get("year_from"), data.get("year_to"))
        except ValidationError as exc:
            self.add_error(None, exc)
        return data

    @property
    def refused(self) -> bool:
        return self.is_bound and not self.is_valid()

    def values(self):
        data = self.cleaned_data if self.is_valid() else {}
        basis = self.BASES.get(data.get("basis"), Basis.ACCEPTED)
        return basis, data.get("year_from"), data.get("year_to")


class EntryFilterForm(forms.Form):
    """The entry list's filters; its exports use the same form, so they hold what it shows.

    `measure` is where an entry counts (trama.ledger.measure); links written before it had
    that name say `state`, which is still read.
    """

    PLEDGED, PENDING, ACCEPTED, REJECTED, DISPUTED = (
        "pledged",
        "pending",
        "accepted",
        "rejected",
        "disputed",
    )

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices]
    )
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[
            ("", _("All sources")),
            *Source.choices,
            (ADDITIONAL, _("All additional resources")),
        ],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *Category.choices],
    )
    measure = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("Any state")),
            (PLEDGED, _("Pledged")),
            (PENDING, _("Awaiting verification")),
            (ACCEPTED, _("Accepted")),
            (REJECTED, _("Rejected")),
            (DISPUTED, _("Disputed by the funder")),
        ],
    )
    contributor = RowChoiceField(
        label=_("Contributor"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("All contributors"),
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    year_from = forms.TypedChoiceField(
        label=_("From year"), required=False, coerce=int, empty_value=None
    )
    year_to = forms.TypedChoiceField(
        label=_("To year"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data=None, *args, program, contributors, **kwargs):
        if data is not None and "measure" not in data and data.get("state"):
            data = data.copy()
            data["measure"] = data["state"]
        super().__init__(data, *args, **kwargs)
        years = [("", _("Any year")), *((y, str(y)) for y in program.years)]
        for name in ("year", "year_from", "year_to"):
            self.fields[name].choices = years
        self.fields["contributor"].queryset = contributors

    def filters(self) -> dict:
        """The valid filters; an invalid one is ignored (the page says so), not the others."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    def filter(self, entries):
        """Entries narrowed by the valid filters; `entries` carries the `measure` annotation."""
        data = self.filters()
        for name in ("kind", "category", "year", "contributor"):
            if name in data:
                entries = entries.filter(**{name: data[name]})
        if data.get("source") == ADDITIONAL:
            entries = entries.filter(source__in=ADDITIONAL_SOURCES)
        elif "source" in data:
            entries = entries.filter(source=data["source"])
        if "year_from" in data:
            entries = entries.filter(year__gte=data["year_from"])
        if "year_to" in data:
            entries = entries.filter(year__lte=data["year_to"])
        if "measure" in data:
            entries = in_measure(entries, data["measure"])
        return entries
