"""The inputs of the co-design table's pages: meetings, minutes, the shared project."""

from django import forms
from django.utils.translation import gettext_lazy as _

from trama.lib.fields import RowChoiceField

from .forms import DATETIME, _text
from .models import MinutesReview


class TableMeetingForm(forms.Form):
    title = forms.CharField(label=_("Subject"), max_length=200)
    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=DATETIME,
        error_messages={"invalid": _("Give the date and time of the meeting.")},
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_link = forms.URLField(
        label=_("Online link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Give a full web address (https://…).")},
    )
    agenda = _text(_("Agenda"), rows=3)


class TableMinutesForm(forms.Form):
    """The minutes and, body by body, the names of the people present (one a line)."""

    minutes = _text(_("Minutes"), rows=8)

    def __init__(self, *args, bodies, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bodies = list(bodies)
        present: dict[int, list[str]] = {}
        if meeting is not None:
            self.fields["minutes"].initial = meeting.minutes
            for row in meeting.attendance.all():
                present.setdefault(row.organization_id, []).append(row.person_name)
        for body in self.bodies:
            self.fields[f"people_{body.pk}"] = forms.CharField(
                label=_("Present for %(name)s (one name a line; empty if absent)")
                % {"name": body.name},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial="\n".join(present.get(body.pk, [])),
            )

    def attendance(self) -> list[tuple]:
        rows = []
        for body in self.bodies:
            for line in self.cleaned_data.get(f"people_{body.pk}", "").splitlines():
                if line.strip():
                    rows.append((body, line.strip(), None))
        return rows


class MinutesReviewForm(forms.Form):
    organization = RowChoiceField(
        label=_("For the body"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a body you represent that attended.")},
    )
    decision = forms.ChoiceField(
        label=_("Your word on the minutes"),
        choices=MinutesReview.Decision.choices,
        widget=forms.RadioSelect,
        initial=MinutesReview.Decision.APPROVED,
    )
    comment = _text(_("Comment (needed if you do not approve)"), rows=3, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ProjectEditForm(forms.Form):
    text = _text(_("Shared project (Markdown: “## ” starts a section)"), rows=24)
    summary = forms.CharField(label=_("What changed"), max_length=300)
    base = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SectionCommentForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"))
    text = _text(_("Comment"), rows=3)

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(s.slug, s.heading) for s in sections]


class DiffForm(forms.Form):
    a = forms.TypedChoiceField(label=_("From version"), coerce=int)
    b = forms.TypedChoiceField(label=_("To version"), coerce=int)

    def __init__(self, *args, numbers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, str(n)) for n in numbers]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices


class AdoptForm(forms.Form):
    version = forms.TypedChoiceField(label=_("Version adopted"), coerce=int)
    act_number = forms.CharField(label=_("Number of the act"), max_length=80)
    act_date = forms.DateField(
        label=_("Date of the act"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give the date of the act.")},
    )
    reasons = _text(_("Reasons"), rows=5)
    file = forms.FileField(
        label=_("Signed act (PDF or .p7m; up to 20 MB)"),
        error_messages={"required": _("Upload the signed act.")},
    )

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {v.number: v for v in versions}
        self.fields["version"].choices = [
            (n, _("Version %(n)s") % {"n": n}) for n in sorted(self.versions, reverse=True)
        ]
