from django import forms
from django.utils.translation import gettext_lazy as _

from trama.lib.fields import RowChoiceField
from trama.lib.widgets import QuickSelect
from trama.organizations.models import Organization
from trama.territories.models import Region

from .models import CONSENT_TEXT, Member, Topic
from .services import LIMITS, PROFILE_FIELDS


class ProfileForm(forms.Form):
    """What a member says about themselves; the service checks it (one rule for the API)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=LIMITS["display_name"],
        help_text=_("How the other members see you, e.g. your first and last name."),
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Your organisations"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Among the organisations you are a member of on Trama."),
    )
    role = forms.CharField(
        label=_("Role"),
        max_length=LIMITS["role"],
        required=False,
        help_text=_("What you do, e.g. social worker, project manager, RUP."),
    )
    region = RowChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("No region"),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics of interest"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    bio = forms.CharField(
        label=_("Short bio"),
        max_length=LIMITS["bio"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    visibility = forms.ChoiceField(
        label=_("Who sees your profile"),
        choices=Member.Visibility.choices,
        initial=Member.Visibility.MEMBERS,
        widget=forms.RadioSelect,
    )
    weekly_digest = forms.BooleanField(
        label=_("Send me what's new every week by e-mail"),
        required=False,
        help_text=_(
            "On Monday morning: new practice sheets, documents, events and discussions in "
            "your topics and region. Nothing is sent in a week with nothing new."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = Organization.objects.with_member(user).order_by(
            "name"
        )

    def profile(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in PROFILE_FIELDS}


class JoinForm(ProfileForm):
    # Not required here: the service refuses a missing consent with its own code, the same
    # refusal the API gives.
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)


class ConfirmForm(forms.Form):
    """The review page of leaving: nothing to type, but every POST goes through a form."""


class MemberFilterForm(forms.Form):
    region = RowChoiceField(
        label=_("Region"),
        required=False,
        queryset=Region.objects.all(),
        empty_label=_("All regions"),
        widget=QuickSelect,
    )
    kind = forms.ChoiceField(
        label=_("Kind of body"),
        required=False,
        choices=[("", _("All kinds")), *Organization.Kind.choices],
        widget=QuickSelect,
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        required=False,
        queryset=Topic.objects.all(),
        empty_label=_("All topics"),
        to_field_name="slug",
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "region": data.get("region"),
            "kind": data.get("kind") or "",
            "topic": data.get("topic"),
        }


class OrganizationFilterForm(forms.Form):
    region = MemberFilterForm.base_fields["region"]
    kind = MemberFilterForm.base_fields["kind"]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"region": data.get("region"), "kind": data.get("kind") or ""}
