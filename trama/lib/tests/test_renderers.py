"""The quick form renderer gives Django's own markup for every widget it builds in Python."""

from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from trama.lib.fields import AmountField, NumberField
from trama.lib.renderers import QuickRenderer
from trama.procedures.forms import MultipleFileField


class Everything(forms.Form):
    text = forms.CharField(max_length=20, help_text="Help <b>")
    optional = forms.CharField(required=False, disabled=True)
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "data-x": 'a"b'}))
    empty_area = forms.CharField(widget=forms.Textarea, required=False)
    year = forms.IntegerField(min_value=2000, max_value=2100)
    share = forms.DecimalField(max_digits=5, decimal_places=2, required=False)
    mail = forms.EmailField(
        widget=forms.EmailInput(attrs={"placeholder": lazy(lambda: "Mail &", str)()})
    )
    link = forms.URLField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "autofocus": True}))
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    amount = AmountField(required=False)
    quantity = NumberField(required=False)
    file = forms.FileField(required=False)
    files = MultipleFileField()
    safe = forms.CharField(widget=forms.TextInput(attrs={"title": mark_safe("<i>ok</i>")}))


INITIAL = {
    "text": 'Tom & "Jerry" <x>',
    "area": "line one\n<script>alert(1)</script>",
    "year": 2026,
    "share": Decimal("12.50"),
    "mail": "a@b.it",
    "secret": "pw&",
    "hidden": "h'1",
    "search": "",
    "amount": Decimal("150000.00"),
    "quantity": 3,
}
DATA = {"text": "x" * 30, "area": "", "year": "1999", "mail": "no", "amount": "1,2,3"}


@pytest.mark.parametrize(
    "form",
    [
        lambda r: Everything(renderer=r),
        lambda r: Everything(renderer=r, initial=INITIAL),
        lambda r: Everything(DATA, renderer=r),
        lambda r: Everything(DATA, renderer=r, auto_id="id_x7_%s"),
    ],
    ids=["empty", "initial", "errors", "auto_id"],
)
def test_it_renders_every_widget_as_django_does(form):
    quick, django = form(QuickRenderer()), form(DjangoTemplates())
    for name in quick.fields:
        assert str(quick[name]) == str(django[name]), name
    assert quick.render() == django.render()


def test_it_leaves_other_widgets_to_the_templates():
    class Other(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "A <b>"), ("b", "B")])
        tick = forms.BooleanField()
        many = forms.MultipleChoiceField(choices=[("1", "1")], widget=forms.CheckboxSelectMultiple)

    quick, django = Other(renderer=QuickRenderer()), Other(renderer=DjangoTemplates())
    for name in quick.fields:
        assert str(quick[name]) == str(django[name]), name


def test_it_builds_inputs_and_textareas_without_a_template(monkeypatch):
    templates = []
    monkeypatch.setattr(
        DjangoTemplates, "render", lambda self, name, *args, **kwargs: templates.append(name)
    )
    for kwargs in ({}, {"initial": INITIAL}, {"data": DATA}):
        form = Everything(renderer=QuickRenderer(), **kwargs)
        for name in form.fields:
            str(form[name])
    assert templates == []
