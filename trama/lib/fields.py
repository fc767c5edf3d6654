"""Form fields shared by every app: numbers typed the Italian way."""

from decimal import Decimal

from django import forms

from .numbers import AMOUNT, Bounds, format_number, parse_number


class NumberField(forms.Field):
    """A bounded number typed in Italian notation (150.000,00), cleaned to a Decimal.

    The widget is a text input with a decimal keypad: a number input would let the browser
    reinterpret "150.000" by its own locale before the server sees it.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, bounds: Bounds = AMOUNT, **kwargs):
        self.bounds = bounds
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_number(value, self.bounds)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return format_number(value, -1 if value == int(value) else self.bounds.decimals)
        return value


class AmountField(NumberField):
    """An amount in euro: positive, two decimals, at most the largest amount a column holds."""
