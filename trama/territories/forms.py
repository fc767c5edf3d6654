import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Municipality

_WITH_PROVINCE = re.compile(r"^(?P<name>.+?)\s*\((?P<abbr>[A-Za-z]{2})\)\s*$")


def find_municipality(text: str) -> Municipality | None:
    """Resolve 'Lecco', 'Lecco (LC)' or an ISTAT code like '097042' to one municipality."""
    text = (text or "").strip()
    if not text:
        return None
    qs = Municipality.objects.select_related("province")
    if text.isdigit():
        return qs.filter(istat_code=text.zfill(6)).first()
    match = _WITH_PROVINCE.match(text)
    if match:
        qs = qs.filter(province__abbreviation__iexact=match["abbr"])
        text = match["name"]
    found = list(qs.filter(name__iexact=text)[:2])
    return found[0] if len(found) == 1 else None


class MunicipalityField(forms.CharField):
    """A municipality typed by name, with suggestions; stored as the municipality."""

    default_error_messages = {
        "unknown": _(
            "No Italian municipality is called “%(value)s”. Pick one of the suggestions, "
            "e.g. “Lecco (LC)”."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 160)
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": "municipality-suggestions", "autocomplete": "off"})

    def prepare_value(self, value):
        if isinstance(value, Municipality):
            return f"{value.name} ({value.province.abbreviation})"
        if isinstance(value, int):
            municipality = Municipality.objects.select_related("province").filter(pk=value).first()
            return self.prepare_value(municipality) if municipality else ""
        return value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        municipality = find_municipality(value)
        if municipality is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": value}
            )
        return municipality
