import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from trama.lib.fields import AmountField, RowChoiceField, RowsMultipleChoiceField
from trama.lib.widgets import QuickSelect
from trama.organizations.access import public_bodies_acted_for
from trama.organizations.models import Organization
from trama.programs.models import Area, Program
from trama.territories.forms import MunicipalityField
from trama.territories.models import Region

from .models import Document, Phase, Tag
from .services import LIMITS

TEXTAREA = {"rows": 4}


class PracticeForm(forms.Form):
    """A practice sheet as its authors write it; the service checks it (one rule for the API)."""

    title = forms.CharField(label=_("Title"), max_length=LIMITS["title"])
    summary = forms.CharField(
        label=_("Summary"),
        max_length=LIMITS["summary"],
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    municipality = MunicipalityField(
        label=_("Municipality"),
        required=False,
        help_text=_("The municipality where the practice runs, if it is one, e.g. “Lecco (LC)”."),
    )
    region = RowChoiceField(
        label=_("Region"), queryset=Region.objects.all(), required=False, empty_label=_("No region")
    )
    territory = forms.CharField(
        label=_("Territory"),
        max_length=LIMITS["territory"],
        required=False,
        help_text=_("In your words, e.g. “Ambito distrettuale di Lecco (24 comuni)”."),
    )
    year_from = forms.IntegerField(label=_("First year"), min_value=1990, max_value=2100)
    year_to = forms.IntegerField(
        label=_("Last year"),
        min_value=1990,
        max_value=2100,
        required=False,
        help_text=_("Empty if the practice is still running."),
    )
    area = forms.ChoiceField(label=_("Area"), choices=Area.choices, initial=Area.SOCIAL_WELFARE)
    phases = forms.MultipleChoiceField(
        label=_("Phases"),
        choices=Phase.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    actor_organizations = RowsMultipleChoiceField(
        label=_("Actors on Trama"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        help_text=_("The bodies involved that are on Trama: yours must be among them."),
    )
    other_actors = forms.CharField(
        label=_("Other actors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bodies involved that are not on Trama, one per line."),
    )
    program = RowChoiceField(
        label=_("Program on Trama"),
        queryset=Program.objects.order_by("title"),
        required=False,
        empty_label=_("None: the practice does not run on Trama"),
        help_text=_("Its figures are then read live from the ledger."),
    )
    resources = forms.CharField(
        label=_("Resources"),
        max_length=LIMITS["resources"],
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Economic, project, organisational and professional resources brought."),
    )
    declared_public = AmountField(label=_("Public resources (declared, €)"), required=False)
    declared_additional = AmountField(label=_("Additional resources (declared, €)"), required=False)
    declared_source = forms.CharField(
        label=_("Source of the declared figures"),
        max_length=LIMITS["declared_source"],
        required=False,
        help_text=_("Required with declared figures: a report, a resolution, a study."),
    )
    worked = forms.CharField(
        label=_("What worked"),
        max_length=LIMITS["worked"],
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    did_not_work = forms.CharField(
        label=_("What didn't work"),
        max_length=LIMITS["did_not_work"],
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    contacts = forms.CharField(
        label=_("Contacts"),
        max_length=LIMITS["contacts"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    documents = RowsMultipleChoiceField(
        label=_("Documents from the library"),
        queryset=Document.objects.order_by("title"),
        required=False,
    )
    base_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def practice(self) -> dict:
        data = self.cleaned_data
        others = [
            line.strip() for line in (data.get("other_actors") or "").splitlines() if line.strip()
        ]
        fields = {
            name: data.get(name)
            for name in (
                "title", "summary", "municipality", "region", "territory", "year_from", "year_to",
                "area", "phases", "program", "resources", "declared_public", "declared_additional",
                "declared_source", "worked", "did_not_work", "contacts",
            )
        }  # fmt: skip
        fields["actors"] = [*data.get("actor_organizations", []), *others]
        fields["documents"] = list(data.get("documents") or [])
        return fields


class NewPracticeForm(PracticeForm):
    publish = forms.BooleanField(
        label=_("Publish now (otherwise it stays a draft, visible to its authors)"), required=False
    )


def practice_initial(practice) -> dict:
    actors = list(practice.actors.all())
    return {
        "title": practice.title,
        "summary": practice.summary,
        "municipality": practice.municipality,
        "region": practice.region,
        "territory": practice.territory,
        "year_from": practice.year_from,
        "year_to": practice.year_to,
        "area": practice.area,
        "phases": practice.phases,
        "actor_organizations": [a.organization_id for a in actors if a.organization_id],
        "other_actors": "\n".join(a.name for a in actors if not a.organization_id),
        "program": practice.program,
        "resources": practice.resources,
        "declared_public": practice.declared_public,
        "declared_additional": practice.declared_additional,
        "declared_source": practice.declared_source,
        "worked": practice.worked,
        "did_not_work": practice.did_not_work,
        "contacts": practice.contacts,
        "documents": list(practice.documents.values_list("pk", flat=True)),
        "base_version": practice.version,
    }


class PracticeFilterForm(forms.Form):
    region = RowChoiceField(
        label=_("Region"),
        required=False,
        queryset=Region.objects.all(),
        empty_label=_("All regions"),
        widget=QuickSelect,
    )
    phase = forms.ChoiceField(
        label=_("Phase"),
        required=False,
        choices=[("", _("All phases")), *Phase.choices],
        widget=QuickSelect,
    )
    area = forms.ChoiceField(
        label=_("Area"),
        required=False,
        choices=[("", _("All areas")), *Area.choices],
        widget=QuickSelect,
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "region": data.get("region"),
            "phase": data.get("phase") or "",
            "area": data.get("area") or "",
        }


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=LIMITS["comment"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HideCommentForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=LIMITS["reason"])


class ConfirmForm(forms.Form):
    """A review page's form: nothing to type, but every POST goes through a form."""


# --- the library ------------------------------------------------------------------------------


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Document.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=LIMITS["title"])
    description = forms.CharField(
        label=_("Description"),
        max_length=LIMITS["description"],
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=700,
        help_text=_("Separated by commas, e.g. volontariato, avvisi."),
    )
    licence = forms.ChoiceField(
        label=_("Licence"), choices=Document.Licence.choices, initial=Document.Licence.CC_BY_4
    )
    text = forms.CharField(
        label=_("Template text"),
        required=False,
        max_length=LIMITS["text"],
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Required for templates: the text a new call or agreement starts from."),
    )
    body = forms.ModelChoiceField(
        label=_("Body"), queryset=Organization.objects.none(), required=False, empty_label=_("None")
    )
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, DOCX, XLSX, PPTX, ODT, ODS or ODP, at most 20 MB.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = Organization.objects.with_member(user).order_by("name")

    def document(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data["description"],
            "tags": [t for t in (data.get("tags") or "").split(",") if t.strip()],
            "licence": data["licence"],
            "text": data.get("text") or "",
            "body": data.get("body"),
            "upload": data["file"],
        }


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New file"))
    note = forms.CharField(label=_("What changed"), max_length=LIMITS["note"], required=False)


class UseTemplateForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    title = forms.CharField(label=_("Title of the new call"), max_length=LIMITS["title"])
    draft_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, user, document, **kwargs):
        kwargs.setdefault("initial", {"title": document.title, "draft_key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(
            owner__in=public_bodies_acted_for(user)
        ).order_by("title")


class LibraryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *Document.Kind.choices],
        widget=QuickSelect,
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        required=False,
        queryset=Tag.objects.all(),
        empty_label=_("All tags"),
        to_field_name="slug",
    )
    body = forms.ModelChoiceField(
        label=_("Body"),
        required=False,
        queryset=Organization.objects.filter(pk__in=Document.objects.values("body")).order_by(
            "name"
        ),
        empty_label=_("All bodies"),
        to_field_name="slug",
    )
    licence = forms.ChoiceField(
        label=_("Licence"),
        required=False,
        choices=[("", _("All licences")), *Document.Licence.choices],
        widget=QuickSelect,
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "kind": data.get("kind") or "",
            "tag": data.get("tag"),
            "body": data.get("body"),
            "licence": data.get("licence") or "",
        }
