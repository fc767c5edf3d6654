"""Template filters available in every template (settings: TEMPLATES builtins).

Amounts and quantities are shown the Italian way in every language, the way people type
them back into the forms: ``{{ entry.amount|amount }}`` → ``150.000,00 €``.
"""

from decimal import Decimal, InvalidOperation

from django import template

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
