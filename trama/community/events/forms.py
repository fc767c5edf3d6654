from django import forms
from django.utils.translation import gettext_lazy as _

from trama.community.models import Member
from trama.organizations.models import Organization

from .models import Material


class ActForm(forms.Form):
    """A one-button act (register, cancel, follow): nothing to parse but the CSRF token."""


class InviteForm(forms.Form):
    member = forms.ModelChoiceField(
        Member.objects.active().order_by("display_name"), label=_("Member"), required=False
    )
    organization = forms.ModelChoiceField(
        Organization.objects.order_by("name"), label=_("Organisation"), required=False
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("member")) == bool(data.get("organization")):
            raise forms.ValidationError(_("Choose a member or an organisation (one of them)."))
        return data


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Material.Kind.choices)
    file = forms.FileField(label=_("File"))


class AttendanceForm(forms.Form):
    present = forms.TypedMultipleChoiceField(
        label=_("Present"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, registrations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(r.user_id, str(r.user)) for r in registrations]
