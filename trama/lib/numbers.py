"""Amounts and quantities as people type them, read and shown back one way everywhere.

People type Italian numbers: the dot groups thousands and the comma starts the decimals
(``150.000,00``). Every form and every import reads them with :func:`parse_number`, and the
API checks its canonical decimals (``1500.50``) against the same :class:`Bounds` with
:func:`check_bounds`, so a value refused in a page is refused in the API too, with the same
code. A refusal is a ``ValidationError`` whose message shows how the input would be read.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Longer than any amount written with separators and decimals; longer input is refused
# before any arithmetic, so a pasted page of digits can't cost anything.
MAX_TEXT_LENGTH = 32

# Digits are Latin only: str.isdigit() would accept Arabic-Indic or full-width digits.
_SHAPE = re.compile(r"^[0-9][0-9.,]*$")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")


@dataclass(frozen=True)
class Bounds:
    """What a kind of number may be: decimals allowed, the largest value, zero or not."""

    decimals: int
    maximum: Decimal
    allow_zero: bool = False

    @property
    def step(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimals)


# Columns are DecimalField(max_digits=14, decimal_places=2) for amounts and (12, 2) for
# quantities and unit values: the maxima are the largest values those columns hold.
AMOUNT = Bounds(decimals=2, maximum=Decimal("999999999999.99"))
UNIT_VALUE = Bounds(decimals=2, maximum=Decimal("9999999999.99"))
QUANTITY = Bounds(decimals=2, maximum=Decimal("9999999999.99"))
POINTS = Bounds(decimals=2, maximum=Decimal("1000"), allow_zero=True)


def format_number(value: Decimal | int, decimals: int = 2) -> str:
    """A number in Italian notation: 1234567.5 → "1.234.567,50" (decimals=-1: as needed)."""
    value = Decimal(value)
    if decimals >= 0:
        text = f"{value:,.{decimals}f}"
    else:
        text = f"{value.normalize():,f}"
        if "." not in text and value != value.to_integral_value():
            text = f"{value:,f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def format_amount(value: Decimal | int) -> str:
    """An amount in euro as shown to people: "150.000,00 €"."""
    return f"{format_number(value, 2)}\u00a0€"


def _refuse(message, code: str, **params):
    raise ValidationError(message, code=code, params=params or None)


def _grouped(text: str) -> bool:
    """True when text is digits grouped by dots in threes: 1.500, 150.000, 1.500.000."""
    head, *groups = text.split(".")
    return 1 <= len(head) <= 3 and all(len(g) == 3 for g in groups)


def _english(text: str) -> str:
    """1,234.56 written the Italian way: 1.234,56."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _read(text: str, shown: str) -> Decimal:
    """Italian notation to a Decimal, or a refusal naming how the text would be read."""
    whole, comma, fraction = text.partition(",")
    if "," in fraction or "." in fraction:
        # 1,234.56 or 1,234,567: English notation, which Italian reads differently.
        _refuse(
            _(
                "“%(value)s” is not clear: in Italian the dot groups thousands and the comma "
                "starts the decimals. Did you mean %(suggestion)s?"
            ),
            "ambiguous_number",
            value=shown,
            suggestion=_english(text),
        )
    if "." in whole and not _grouped(whole):
        _refuse(
            _(
                "“%(value)s” is not clear: in Italian the dot groups thousands in threes (1.500) "
                "and the comma starts the decimals. Did you mean %(suggestion)s?"
            ),
            "ambiguous_number",
            value=shown,
            suggestion=whole.replace(".", ",", 1).replace(".", "")
            if whole.count(".") == 1
            else whole.replace(".", ""),
        )
    if comma and not fraction:
        _refuse(
            _("“%(value)s” ends with a comma: write the decimals after it, or leave it out."),
            "invalid_number",
            value=shown,
        )
    return Decimal(whole.replace(".", "") + ("." + fraction if fraction else ""))


def check_bounds(value: Decimal, bounds: Bounds = AMOUNT, *, shown: str | None = None) -> Decimal:
    """The value itself when it fits the bounds; otherwise a refusal with a stable code."""
    shown = shown if shown is not None else format_number(value, -1)
    if not value.is_finite():
        _refuse(_("“%(value)s” is not a number."), "invalid_number", value=shown)
    if value < 0 or (value == 0 and not bounds.allow_zero):
        if bounds.allow_zero:
            _refuse(_("The value can't be negative."), "not_positive")
        _refuse(_("The value must be greater than zero."), "not_positive")
    if value > bounds.maximum:
        _refuse(
            _("“%(value)s” is too large: the largest value accepted is %(maximum)s."),
            "too_large",
            value=shown,
            maximum=format_number(bounds.maximum, bounds.decimals),
        )
    if value != value.quantize(bounds.step):
        _refuse(
            _("“%(value)s” has too many decimals: use at most %(decimals)s."),
            "too_many_decimals",
            value=shown,
            decimals=bounds.decimals,
        )
    return value.quantize(bounds.step)


def parse_number(value, bounds: Bounds = AMOUNT) -> Decimal:
    """A number typed by a person (Italian notation) or read from a file cell, bounded.

    Accepts 150000, 150.000, 150.000,00, 150000,00, 1.500,5 and a euro sign or spaces around;
    refuses 1.5 or 1500.50 (the dot groups thousands), 1,234.56, exponents, signs other
    than a harmless "+", and digits other than 0-9.
    """
    if isinstance(value, bool):
        _refuse(_("“%(value)s” is not a number."), "invalid_number", value=value)
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, float):
        # A spreadsheet cell: its shortest repr is what the person saw.
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return check_bounds(value, bounds)
    shown = str(value if value is not None else "").strip()
    if not shown:
        _refuse(_("Write a number."), "required")
    if len(shown) > MAX_TEXT_LENGTH:
        _refuse(
            _("This is too long for a number (at most %(max)s characters)."),
            "too_long",
            max=MAX_TEXT_LENGTH,
        )
    text = shown.translate(_SPACES).removeprefix("€").removesuffix("€").removeprefix("+")
    if text.startswith("-"):
        _refuse(_("The value must be greater than zero."), "not_positive")
    if not _SHAPE.match(text):
        _refuse(
            _(
                "“%(value)s” is not a number: use the digits 0-9, the dot for thousands and the "
                "comma for decimals, as in 150.000,00."
            ),
            "invalid_number",
            value=shown,
        )
    try:
        number = _read(text, shown)
    except InvalidOperation:  # pragma: no cover - the shape check leaves nothing unreadable
        _refuse(_("“%(value)s” is not a number."), "invalid_number", value=shown)
    decimals = len(text.partition(",")[2])
    if decimals == 3 and bounds.decimals < 3 and "." not in text and number >= 1:
        # 150,000: three decimals are almost always thousands typed with a comma.
        _refuse(
            _(
                "“%(value)s” has three decimals, but at most %(decimals)s are allowed: the "
                "comma starts the decimals. For thousands use the dot: %(thousands)s."
            ),
            "too_many_decimals",
            value=shown,
            decimals=bounds.decimals,
            thousands=format_number(number * 1000, 0),
        )
    if decimals > bounds.decimals:
        _refuse(
            _("“%(value)s” has too many decimals: use at most %(decimals)s."),
            "too_many_decimals",
            value=shown,
            decimals=bounds.decimals,
        )
    return check_bounds(number, bounds, shown=shown)


# Decimal text as code and the API write it: "1234.56", "-5" (a sign is refused by the bounds).
_CANONICAL = re.compile(r"^[+-]?[0-9]{1,32}(\.[0-9]{1,32})?$")


def clean_number(value, bounds: Bounds = AMOUNT, field: str | None = None) -> Decimal:
    """A number handed to a service, bounded: a Decimal, an int, or text.

    Forms and the API hand over Decimals; code may write canonical text ("1234.56"), taken
    as a Decimal literal, and refused with more decimals than `bounds` allow, as the API
    refuses it ("1.500" is never 1,50). Any other text is what a person typed, read the
    Italian way (`parse_number`), so "150.000,00" is 150000 and "1e30" a refusal, never a
    guess. With `field`, a refusal names that field.
    """
    text = value.strip() if isinstance(value, str) else None
    try:
        if text and _CANONICAL.match(text):
            if len(text.partition(".")[2]) > bounds.decimals:
                _refuse(
                    _("“%(value)s” has too many decimals: use at most %(decimals)s."),
                    "too_many_decimals",
                    value=text,
                    decimals=bounds.decimals,
                )
            value = Decimal(text)
        return parse_number(value, bounds)
    except ValidationError as exc:
        if field is None:
            raise
        raise ValidationError({field: exc}) from None
