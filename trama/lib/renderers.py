"""The form renderer (settings.FORM_RENDERER): Django's, with the plainest widgets in Python.

A text input or a textarea rendered through Django's widget templates costs three template
renders (the widget's, input.html, attrs.html) and a few dozen variable lookups; a page
with twenty fields spends milliseconds there on every request. `QuickRenderer` builds the
same markup in Python for the templates below and hands every other template (and any
context it does not recognise) to Django's renderer; `trama/lib/tests/test_renderers.py`
checks that both give the same HTML, byte for byte. The project overrides none of these
templates; one that did would have to leave this list.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

# Every template that is `{% include "django/forms/widgets/input.html" %}` and nothing else.
_INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "search",
        "tel",
        "color",
        "date",
        "datetime",
        "time",
        "file",
    )
)
_TEXTAREA = "django/forms/widgets/textarea.html"
_CLEARABLE_FILE = "django/forms/widgets/clearable_file_input.html"
_BUILT = _INPUTS | {_TEXTAREA, _CLEARABLE_FILE}
# Values `{{ value|stringformat:'s' }}` shows as str(value), escaped unless marked safe.
_PLAIN = (str, int, float, bool, Promise)


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}` with autoescape on."""
    text = "%s" % value  # noqa: UP031 - the filter's own formatting
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str | None:
    """attrs.html; None when a value is of a kind the template would treat otherwise."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if not isinstance(name, str) or not isinstance(value, _PLAIN):
            return None
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"')
    return "".join(parts)


class QuickRenderer(DjangoTemplates):
    """Django's template renderer, with input and textarea widgets built in Python."""

    def render(self, template_name, context, request=None):
        html = None
        if template_name in _BUILT:
            html = self._widget(template_name, context.get("widget"))
        if html is None:
            return super().render(template_name, context, request)
        return mark_safe(html)  # noqa: S308 - every value above is escaped

    def _widget(self, template_name, widget) -> str | None:
        if not isinstance(widget, dict):
            return None
        name, attrs, value = widget.get("name"), widget.get("attrs"), widget.get("value")
        if not isinstance(name, str) or not isinstance(attrs, dict):
            return None
        rendered = _attrs(attrs)
        if rendered is None:
            return None
        if template_name == _TEXTAREA:
            if value is not None and not isinstance(value, _PLAIN):
                return None
            # `{% if widget.value %}{{ widget.value }}{% endif %}`
            shown = _text(value) if value else ""
            return f'<textarea name="{_text(name)}"{rendered}>\n{shown}</textarea>'
        kind = widget.get("type")
        if not isinstance(kind, str):
            return None
        if template_name == _CLEARABLE_FILE:
            if widget.get("is_initial"):
                return None  # the link to the current file: Django's template
            return f'<input type="{_text(kind)}" name="{_text(name)}"{rendered}>'
        if value is None:
            shown = ""
        elif isinstance(value, _PLAIN):
            shown = f' value="{_text(value)}"'
        else:
            return None
        return f'<input type="{_text(kind)}" name="{_text(name)}"{shown}{rendered}>'
