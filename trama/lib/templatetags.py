"""Template filters available in every template (settings: TEMPLATES builtins).

Amounts and quantities are shown the Italian way in every language, the way people type
them back into the forms: ``{{ entry.amount|amount }}`` → ``150.000,00 €``.
"""

import threading
from collections import OrderedDict
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .numbers import format_amount, format_number

register = template.Library()


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def amount(value):
    """An amount in euro: 150.000,00 €; empty for no value."""
    number = _decimal(value)
    return "" if number is None else format_amount(number)


@register.filter
def number(value, decimals=-1):
    """A number the Italian way: 1.500,5 (decimals as needed) or with fixed decimals."""
    number = _decimal(value)
    return "" if number is None else format_number(number, int(decimals))


@register.filter
def total(rows, attribute="amount"):
    """The sum of one attribute over rows, as a Decimal: ``{{ budget|total|amount }}``."""
    return sum((getattr(row, attribute) or Decimal("0") for row in rows), Decimal("0"))


_REQUIRED = mark_safe(' <span aria-hidden="true">*</span>')  # noqa: S308 - constant markup


@register.simple_tag
def field_html(field):
    """A form field in Bootstrap Italia's markup: label, control, help text and errors.

    Written in Python rather than as an included template: a long form renders dozens of
    fields, and a template per field cost most of such a page's rendering time. The markup
    is the one `includes/field.html` had (that template now calls this tag).
    """
    auto_id = field.auto_id
    required = _REQUIRED if field.field.required else ""
    help_text = (
        format_html(
            '<small class="form-text" id="{}_helptext">{}</small>', auto_id, field.help_text
        )
        if field.help_text
        else ""
    )
    errors = field.errors
    errors_html = (
        format_html(
            '<div id="{}_error">{}</div>',
            auto_id,
            format_html_join(
                "",
                '<div class="text-danger small mt-1" role="alert">{}</div>',
                ((error,) for error in errors),
            ),
        )
        if errors
        else ""
    )
    if field.use_fieldset:
        described = " ".join(
            part
            for part, shown in (
                (f"{auto_id}_helptext", field.help_text),
                (f"{auto_id}_error", errors),
            )
            if shown
        )
        choices = format_html_join(
            "",
            '<div class="form-check">{}<label for="{}">{}</label></div>',
            ((choice.tag(), choice.id_for_label, choice.choice_label) for choice in field),
        )
        return format_html(
            '<fieldset class="mb-4"{}>\n  <legend class="fs-6 fw-semibold">{}{}</legend>\n'
            "  {}\n  {}{}</fieldset>",
            format_html(' aria-describedby="{}"', described) if described else "",
            field.label,
            required,
            choices,
            help_text,
            errors_html,
        )
    widget_type = field.widget_type
    if widget_type == "checkbox":
        control = format_html(
            '<div class="form-check mb-4">\n  {}\n  <label for="{}">{}</label>\n',
            field.as_widget(),
            auto_id,
            field.label,
        )
    elif widget_type in ("select", "quickselect"):
        control = format_html(
            '<div class="form-group mb-4">\n  <div class="select-wrapper">\n'
            '    <label for="{}">{}{}</label>\n    {}\n  </div>\n',
            auto_id,
            field.label,
            required,
            field.as_widget(),
        )
    else:
        control = format_html(
            '<div class="form-group mb-4">\n  <label for="{}" class="active">{}{}</label>\n  {}\n',
            auto_id,
            field.label,
            required,
            field.as_widget(),
        )
    return format_html("{}  {}{}</div>", control, help_text, errors_html)


# --- frames: markup kept rendered, in this process, under exactly what it shows ----------

FRAMES = 2000
_frames: OrderedDict = OrderedDict()
_frames_lock = threading.Lock()


class FrameNode(template.Node):
    def __init__(self, nodelist, name, vary_on):
        self.nodelist, self.name, self.vary_on = nodelist, name, vary_on

    def render(self, context):
        key = (
            self.name,
            translation.get_language(),
            *(str(value.resolve(context)) for value in self.vary_on),
        )
        html = _frames.get(key)
        if html is None:
            html = self.nodelist.render(context)
            with _frames_lock:
                _frames[key] = html
                while len(_frames) > FRAMES:
                    _frames.popitem(last=False)
        return html


@register.tag
def frame(parser, token):
    """``{% frame "name" value… %}…{% endframe %}``: the markup inside, rendered once per
    language and combination of the values, then kept in this process's memory.

    For the frame of every page (base.html), the same on every request: whatever the markup
    shows must be among the values (a person's name, the section of the site), and it must
    hold nothing that changes from one request to the next (no CSRF token, no query string).
    A deploy, which restarts the processes, starts afresh.
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% frame %} needs a name")
    nodelist = parser.parse(("endframe",))
    parser.delete_first_token()
    name = bits[1].strip("\"'")
    return FrameNode(nodelist, name, [parser.compile_filter(bit) for bit in bits[2:]])
