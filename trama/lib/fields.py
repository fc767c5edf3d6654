"""Form fields shared by every app: numbers typed the Italian way, choices of rows."""

from decimal import Decimal

from django import forms
from django.forms.models import ModelChoiceIterator

from .numbers import AMOUNT, Bounds, format_number, parse_number
from .widgets import QuickSelect


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


class RowsIterator(ModelChoiceIterator):
    """The choices read in one plain query.

    Django's iterator reads them through `QuerySet.iterator()`, which on PostgreSQL opens a
    server-side cursor: three round trips (declare, fetch, close) for a list of a few dozen
    bodies, on every page that shows the field.

    The rows are kept in the field's own queryset (each form holds a copy of it: Django
    clones it when the form copies its fields, and when a view sets it), so the form reads
    them once however often it goes through them: a required select without an empty
    choice goes through them twice, to tell whether it may carry `required`, then to show
    them.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = getattr(self.field, "rows", None)
        for obj in self.queryset if rows is None else rows:
            yield self.choice(obj)


class RowChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose choices come in one plain query (see RowsIterator), shown
    in a select built without a template per option (lib/widgets.QuickSelect)."""

    iterator = RowsIterator
    widget = QuickSelect
    rows = None

    def show_rows(self, rows) -> None:
        """Show these rows, which the view has read already: the very rows the queryset
        selects, in its order. The queryset still checks the value posted."""
        self.rows = list(rows)
        self.widget.choices = self.choices


class RowsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose choices come in one plain query (see RowsIterator)."""

    iterator = RowsIterator
