import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Category, Delivery

TEXT_HELP = _(
    "Markdown: **bold**, *italic*, lists, > quotes, [links](https://…). Mention a member with "
    "@ and their name without spaces (e.g. @AnnaBianchi)."
)


class _Once(forms.Form):
    """A form sent once: its key makes a second click find the post the first one made."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class ThreadForm(_Once):
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=services.TEXT_MAX,
        help_text=TEXT_HELP,
    )
    is_question = forms.BooleanField(
        label=_("It is a question (an answer can be accepted)"), required=False
    )


class ReplyForm(_Once):
    text = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=services.TEXT_MAX,
        help_text=TEXT_HELP,
    )
    quoted = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=services.REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class SubscribeForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("How new posts reach you"), choices=[("", _("Stop following")), *Delivery.choices],
        required=False,
    )  # fmt: skip


class ThreadActForm(forms.Form):
    ACTS = ["pin", "unpin", "lock", "unlock", "retitle", "move"]
    act = forms.ChoiceField(choices=[(a, a) for a in ACTS])
    title = forms.CharField(label=_("New title"), max_length=services.TITLE_MAX, required=False)
    category = forms.ModelChoiceField(
        label=_("Move to"), queryset=Category.objects.all(), to_field_name="slug", required=False
    )


class ConfirmForm(forms.Form):
    """A POST with nothing to say but the act itself."""
