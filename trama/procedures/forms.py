"""Every input of the procedures' pages, one form each (healthchecks: even one field)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from trama.ledger.vocabulary import ADDITIONAL_SOURCES, Category, Source
from trama.lib.fields import AmountField, NumberField, RowChoiceField, RowsMultipleChoiceField
from trama.lib.numbers import POINTS, QUANTITY, UNIT_VALUE, format_number
from trama.lib.widgets import QuickSelect
from trama.organizations.models import Organization
from trama.programs.models import MAX_YEAR, MIN_YEAR, Area
from trama.territories.models import Region

from .models import Contribution, Procedure

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _text(label, rows=3, **kwargs):
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class CallFilterForm(forms.Form):
    deadline_before = forms.DateField(
        label=_("Deadline by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    area = forms.ChoiceField(
        label=_("Area"), required=False, choices=[("", _("All areas"))] + list(Area.choices)
    )
    region = RowChoiceField(
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


# --- writing a call ---------------------------------------------------------------------------


class CallForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Procedure.Kind.CO_DESIGN, Procedure.Kind.CO_DESIGN.label),
            (Procedure.Kind.CO_PROGRAMMING, Procedure.Kind.CO_PROGRAMMING.label),
        ],
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = _text(_("Object of the call"), rows=4)
    objectives = _text(_("Objectives"), required=False)
    territory = forms.CharField(label=_("Territory"), required=False, max_length=200)
    duration_months = forms.IntegerField(
        label=_("Duration (months)"), required=False, min_value=1, max_value=240
    )
    requirements = _text(
        _("Admission requirements"),
        required=False,
        help_text=_("By default: Third-Sector bodies registered in RUNTS."),
    )
    non_ets_partners = forms.BooleanField(
        label=_("Non-ETS supporters and funders may join as partners"), required=False
    )
    deadline = forms.DateTimeField(
        label=_("Deadline for proposals"),
        widget=DATETIME,
        help_text=_("Italian time (Europe/Rome)."),
    )
    clarification_deadline = forms.DateTimeField(
        label=_("Deadline for questions"), required=False, widget=DATETIME
    )
    min_score = NumberField(bounds=POINTS, label=_("Minimum score to be selected"), required=False)
    # One key per new-call page: the same page sent twice makes one draft (draft_call).
    draft_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, procedure=None, **kwargs):
        """A new call's form, or with `procedure` its draft's, as saved (the kind is fixed)."""
        if procedure is not None:
            kwargs["initial"] = {
                name: getattr(procedure, name) for name in self.base_fields if name != "draft_key"
            }
        super().__init__(*args, **kwargs)
        if procedure is not None:
            self.fields["kind"].disabled = True
            del self.fields["draft_key"]

    def show_refusal(self, refusal) -> list[str]:
        """A service's refusal of the call as saved, beside the fields of this (unbound) form;
        returns the reasons that name none of its fields (criteria, budget)."""
        self.cleaned_data = {}  # add_error expects the cleaned data of a bound form
        others = []
        for field, errors in refusal.message_dict.items():
            if field in self.fields:
                self.add_error(field, errors)
            else:
                others += errors
        return others

    def call_fields(self) -> dict:
        """What the services take as the call's fields."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("kind", "draft_key")}


class CriterionForm(forms.Form):
    title = forms.CharField(label=_("Criterion"), max_length=200)
    max_points = NumberField(bounds=POINTS, label=_("Maximum points"))
    description = forms.CharField(
        label=_("What the proposal must show"), required=False, max_length=2000
    )


class BudgetYearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    amount = AmountField(label=_("Amount (€)"), required=False)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]


class _Rows(forms.BaseFormSet):
    """Rows a person adds and removes; an untouched blank row is no row."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this row")

    def rows(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


class BudgetRows(_Rows):
    def clean(self):
        years = [row["year"] for row in self.rows() if row.get("amount") is not None]
        if len(years) != len(set(years)):
            raise forms.ValidationError(_("Give each year once."))

    def budget(self) -> dict[int, object]:
        return {row["year"]: row["amount"] for row in self.rows() if row.get("amount") is not None}


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=_Rows, extra=0, can_delete=True, max_num=50, absolute_max=50
)
BudgetFormSet = forms.formset_factory(
    BudgetYearForm, formset=BudgetRows, extra=0, can_delete=True, max_num=50, absolute_max=50
)


def call_rows(procedure) -> dict:
    """A draft's criteria and budget as the initial rows of its form's formsets."""
    amounts = {row.year: row.amount for row in procedure.budget.all()}
    return {
        "criteria": [
            {"title": c.title, "max_points": c.max_points, "description": c.description}
            for c in procedure.criteria.all()
        ],
        "budget": [{"year": year, "amount": amounts.get(year)} for year in procedure.program.years],
    }


def with_added_row(data, prefix: str):
    """The POST as typed, with one more blank row in the formset named `prefix`."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        data[key] = str(min(int(data.get(key, 0)) + 1, 50))
    except ValueError:
        data[key] = "1"
    return data


# --- acts on the call page --------------------------------------------------------------------


class ConfirmForm(forms.Form):
    """The confirmation of an act with nothing to type: its review page sends only this."""


class CancelForm(forms.Form):
    reason = _text(_("Reason for cancelling (published)"), rows=2)


class ExtendForm(forms.Form):
    deadline = forms.DateTimeField(label=_("New deadline"), widget=DATETIME)
    reason = _text(_("Reason (published)"), rows=2)


class QuestionForm(forms.Form):
    question = _text(_("Ask a question (your name will not be published)"))


class AnswerForm(forms.Form):
    answer = _text(_("Answer"), rows=2)


class AttachForm(forms.Form):
    title = forms.CharField(label=_("Title of the document"), required=False, max_length=200)
    file = forms.FileField(
        label=_("File (PDF, signed .p7m, images, spreadsheets; up to 20 MB)"),
        error_messages={"required": _("Choose the file to attach.")},
    )


class ReceiptCheckForm(forms.Form):
    number = forms.CharField(label=_("Receipt number"), max_length=40)
    sha256 = forms.RegexField(
        label=_("SHA-256"),
        regex=r"^[0-9a-fA-F]{64}$",
        error_messages={"invalid": _("A SHA-256 is 64 hexadecimal characters.")},
    )


class ProposalStartForm(forms.Form):
    lead = RowChoiceField(label=_("Lead body"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title of the proposal"), max_length=200)

    def __init__(self, *args, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads


# --- a proposal -------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service that stores it."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            files = [super(MultipleFileField, self).clean(d, initial) for d in data]
            if self.required and not files:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return files
        file = super().clean(data, initial)
        return [file] if file else []


class ProposalDraftForm(forms.Form):
    """The text of a draft: its title and one text per criterion, saved as typed (autosave)."""

    title = forms.CharField(label=_("Title of the proposal"), max_length=200)

    def __init__(self, *args, proposal, sections, **kwargs):
        super().__init__(
            *args,
            initial={
                "title": proposal.title,
                **{f"section-{s.criterion_id}": s.text for s in sections},
            },
            **kwargs,
        )
        for section in sections:
            criterion = section.criterion
            self.fields[f"section-{criterion.pk}"] = _text(
                _("%(criterion)s (up to %(points)s points)")
                % {"criterion": criterion.title, "points": format_number(criterion.max_points, -1)},
                rows=5,
                required=False,
            )
        self.order_fields(["title", *(f"section-{s.criterion_id}" for s in sections)])

    def sections(self) -> dict[int, str]:
        """The section texts that are valid, whatever happened to the title."""
        return {
            int(name.removeprefix("section-")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("section-")
        }


class BudgetTotalForm(forms.Form):
    budget_total = AmountField(
        label=_("Total of the budget plan (€)"),
        help_text=_("As 150.000,00: it must equal the sum of the plan's lines."),
    )


class ProposalFilesForm(forms.Form):
    files = MultipleFileField(
        label=_("Attach documents (PDF, signed .p7m, images, spreadsheets; up to 20 MB each)"),
        error_messages={"required": _("Choose the files to attach.")},
    )


class ReplaceFileForm(forms.Form):
    file = forms.FileField(
        label=_("New file"), error_messages={"required": _("Choose the new file.")}
    )


class BudgetLineForm(forms.Form):
    contributor = RowChoiceField(label=_("Partner"), queryset=None, empty_label=None)
    source = forms.ChoiceField(label=_("Source"), widget=QuickSelect)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, widget=QuickSelect)
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    description = forms.CharField(label=_("Resource"), max_length=200)
    amount = AmountField(label=_("Amount (€)"), required=False)
    quantity = NumberField(bounds=QUANTITY, label=_("Quantity (in kind)"), required=False)
    unit_value = NumberField(bounds=UNIT_VALUE, label=_("Unit value (€, in kind)"), required=False)
    funder = RowChoiceField(
        label=_("Funder (for a foundation grant)"), queryset=None, required=False
    )

    def __init__(self, *args, proposal, partner_bodies=None, funders=None, **kwargs):
        """`partner_bodies`, `funders`: the bodies to list, by name, if the page has them."""
        super().__init__(*args, **kwargs)
        self.fields["contributor"].queryset = Organization.objects.filter(
            pk__in=proposal.partners.values("organization")
        )
        if partner_bodies is not None:
            self.fields["contributor"].show_rows(partner_bodies)
        self.fields["source"].choices = [(s.value, s.label) for s in ADDITIONAL_SOURCES]
        self.fields["source"].initial = Source.OWN_RESOURCES
        self.fields["funder"].queryset = Organization.objects.filter(kind=Organization.Kind.FUNDER)
        if funders is not None:
            self.fields["funder"].show_rows(funders)


class PartnerSearchForm(forms.Form):
    partner_q = forms.CharField(
        label=_("Name or tax code of the partner body"),
        max_length=100,
        required=False,
        help_text=_("At least 3 characters. Bodies not yet verified are found by their tax code."),
    )


class PartnerForm(forms.Form):
    """The body picked among the search results (the service checks it may take part)."""

    organization = RowChoiceField(
        label=_("Partner body"),
        queryset=Organization.objects.all(),
        error_messages={
            "required": _("Search for the body, then pick it from the list."),
            "invalid_choice": _("Search for the body, then pick it from the list."),
        },
    )


class DocumentsForm(forms.Form):
    files = MultipleFileField(
        label=_("Documents"), error_messages={"required": _("Choose the files to send.")}
    )


# --- the evaluation desk ----------------------------------------------------------------------


class AppointForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the evaluator"))
    chair = forms.BooleanField(label=_("chair"), required=False)

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.user = get_user_model().objects.filter(email__iexact=email).first()
        if self.user is None:
            raise forms.ValidationError(_("No one on Trama has this e-mail address."))
        return email


class DeclarationForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("I declare that"),
        choices=[
            ("no", _("I have no conflict of interest with these bodies")),
            ("yes", _("I have a conflict of interest")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you have a conflict of interest.")},
    )
    note = _text(_("Note"), rows=2, required=False)


class AdmissionForm(forms.Form):
    reason = _text(_("Reason"), rows=2)
    decision = forms.TypedChoiceField(
        choices=[("admit", _("Admit")), ("exclude", _("Exclude"))],
        coerce=lambda value: value == "admit",
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose whether to admit or exclude the proposal.")},
    )


class DocumentRequestForm(forms.Form):
    text = _text(_("Request missing documents (soccorso istruttorio)"), rows=2)
    deadline = forms.DateTimeField(
        label=_("Deadline of the request"),
        widget=DATETIME,
        error_messages={
            "invalid": _("Give the deadline of the request as a date and time."),
            "required": _("Give the deadline of the request as a date and time."),
        },
    )


class ScoreForm(forms.Form):
    """The points and rationale an evaluator gives a proposal on each criterion."""

    def __init__(self, *args, criteria, scores=None, **kwargs):
        scores = scores or {}
        super().__init__(
            *args,
            initial={
                **{f"points-{pk}": s.points for pk, s in scores.items()},
                **{f"rationale-{pk}": s.rationale for pk, s in scores.items()},
            },
            **kwargs,
        )
        self.criteria = list(criteria)
        for criterion in self.criteria:
            most = format_number(criterion.max_points, -1)
            self.fields[f"points-{criterion.pk}"] = NumberField(
                bounds=POINTS,
                label=_("%(criterion)s (up to %(points)s points)")
                % {"criterion": criterion.title, "points": most},
                required=False,
            )
            self.fields[f"rationale-{criterion.pk}"] = _text(_("Rationale"), rows=2, required=False)

    def clean(self):
        data = super().clean()
        for criterion in self.criteria:
            points = data.get(f"points-{criterion.pk}")
            if points is not None and points > criterion.max_points:
                self.add_error(
                    f"points-{criterion.pk}",
                    _("Give between 0 and %(max)s points.")
                    % {"max": format_number(criterion.max_points, -1)},
                )
        return data

    def rows(self):
        """(criterion, points, rationale) for every criterion given points."""
        return [
            (c, self.cleaned_data[f"points-{c.pk}"], self.cleaned_data[f"rationale-{c.pk}"])
            for c in self.criteria
            if self.cleaned_data.get(f"points-{c.pk}") is not None
        ]

    def pairs(self):
        """The bound fields two by two, points then rationale, for the template."""
        return [(self[f"points-{c.pk}"], self[f"rationale-{c.pk}"]) for c in self.criteria]


class ProtocolForm(forms.Form):
    receipt = forms.IntegerField(widget=forms.HiddenInput)
    protocol_number = forms.CharField(label=_("Protocol number"), max_length=80)


class RankForm(forms.Form):
    protocol_number = forms.CharField(
        label=_("Protocol number of the act (optional)"), max_length=80, required=False
    )


# --- co-programming ---------------------------------------------------------------------------


class InterestForm(forms.Form):
    organization = RowChoiceField(
        label=_("Organisation"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your organisations.")},
    )
    motivation = _text(_("Why the body takes part"), rows=2, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ContributionForm(InterestForm):
    motivation = None
    kind = forms.ChoiceField(label=_("Kind"), choices=Contribution.Kind.choices)
    text = _text(_("Text"))


class AdmitForm(forms.Form):
    """The RUP's decision on each body that expressed interest, and the act's protocol."""

    protocol_number = forms.CharField(
        label=_("Protocol number of the act (optional)"), max_length=80, required=False
    )

    def __init__(self, *args, participations, **kwargs):
        super().__init__(*args, **kwargs)
        self.participations = list(participations)
        for p in self.participations:
            self.fields[f"admit-{p.pk}"] = forms.TypedChoiceField(
                label=p.organization.name + (f" — {p.motivation}" if p.motivation else ""),
                choices=[("yes", _("Admit")), ("no", _("Do not admit"))],
                coerce=lambda value: value == "yes",
                initial="yes",
                widget=forms.RadioSelect,
            )
            self.fields[f"reason-{p.pk}"] = forms.CharField(
                label=_("Reason (required if not admitted)"), max_length=500, required=False
            )
        self.order_fields([name for name in self.fields if name != "protocol_number"])

    def decisions(self) -> dict[int, tuple[bool, str]]:
        data = self.cleaned_data
        return {p.pk: (data[f"admit-{p.pk}"], data[f"reason-{p.pk}"]) for p in self.participations}


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Theme"), max_length=200)
    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=DATETIME,
        error_messages={"invalid": _("Give the date and time of the table.")},
    )
    agenda = _text(_("Agenda"), rows=2)


class MinutesForm(forms.Form):
    minutes = _text(_("Minutes"))
    attendees = RowsMultipleChoiceField(
        label=_("Bodies attending"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = participants


class ConcludeForm(forms.Form):
    final_document = _text(_("Final document"), rows=5)


class CodesignForm(forms.Form):
    title = forms.CharField(label=_("Title of the co-design call"), max_length=200)


class HistoricalProcedureForm(forms.Form):
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
        label=_("Opened on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    closed_on = forms.DateField(
        label=_("Closed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
