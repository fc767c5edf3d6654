"""The bounds of every input the API takes, declared in the OpenAPI document.

Ids, years, slugs, texts and pages are refused (422, `malformed_request`) outside what the
database columns hold; amounts are canonical decimals (``"1500.50"`` or ``1500.50``)
checked with the bounds every form uses (trama.lib.numbers), so ``1e30`` is `too_large`,
``-5`` `not_positive` and ``10.005`` `too_many_decimals` here as in the pages.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import ConfigDict, PlainValidator, WithJsonSchema

from trama.lib.numbers import AMOUNT, MAX_TEXT_LENGTH, POINTS, QUANTITY, UNIT_VALUE, Bounds
from trama.lib.numbers import check_bounds as _check_bounds
from trama.programs.models import MAX_YEAR, MIN_YEAR

# Primary keys are PostgreSQL bigint.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# The years programs may span (trama.programs.models).
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]

# SlugField(max_length=80), ASCII as Django's slugify makes them.
Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")]
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{2}$", description="ISTAT code, e.g. 03.")]
ProvinceCode = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$", description="Abbreviation, e.g. LC.")]

# Texts stored in TextField columns: long, but not unbounded.
LONG_TEXT = 20_000


# PostgreSQL can't store NUL in text: the parser refuses it (and lone surrogates) in every
# body and query string; the pattern says so in the document.
NO_NUL = r"^[^\x00]*$"


def Text(max_length: int, **extra) -> Any:  # noqa: N802 - reads as a type in a schema
    """A string of at most max_length characters (the column's), without NUL."""
    return Annotated[str, Field(max_length=max_length, pattern=NO_NUL, **extra)]


class InputSchema(Schema):
    """A request body: a field the document doesn't name is refused, not ignored, so a
    misspelt field can't pass unnoticed."""

    model_config = ConfigDict(extra="forbid")


# Pages: at most MAX_PAGE items, and an offset bounded so that a client can page through
# the largest list (the directory) but not ask PostgreSQL to skip past any int range.
MAX_PAGE = 100
MAX_OFFSET = 1_000_000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(MAX_PAGE, ge=1, le=MAX_PAGE, description="Items per page.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_PAGE, **kwargs)


# Amounts, quantities and points: canonical decimals, never Italian text.

_CANONICAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def _as_written(value):
    # A JSON number arrives as the Decimal of its exact text (api.BodyParser), so the
    # bounds see 10.005 as written and refuse its third decimal.
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValueError("Give a number or a string such as “1250.50”.")
    return value


def _decimal_schema(bounds: Bounds, description: str) -> dict:
    whole = len(str(int(bounds.maximum)))
    return {
        "anyOf": [
            {
                "type": "string",
                "pattern": rf"^[0-9]{{1,{whole}}}(\.[0-9]{{1,{bounds.decimals}}})?$",
                "maxLength": MAX_TEXT_LENGTH,
            },
            {
                "type": "number",
                "minimum" if bounds.allow_zero else "exclusiveMinimum": 0,
                "maximum": float(bounds.maximum),
            },
        ],
        "description": description,
    }


def decimal_type(bounds: Bounds, description: str) -> Any:
    return Annotated[
        Decimal | int | str,
        PlainValidator(_as_written),
        WithJsonSchema(_decimal_schema(bounds, description)),
    ]


_EURO = 'a string ("1250.50") or a JSON number, at most two decimals, up to {maximum}.'
Amount = decimal_type(AMOUNT, "Euro, more than zero: " + _EURO.format(maximum=AMOUNT.maximum))
UnitValue = decimal_type(
    UNIT_VALUE, "Euro per unit, more than zero: " + _EURO.format(maximum=UNIT_VALUE.maximum)
)
Quantity = decimal_type(
    QUANTITY,
    'More than zero: a string ("120.5") or a JSON number, at most two decimals, up to '
    f"{QUANTITY.maximum}.",
)
Points = decimal_type(
    POINTS,
    'Points, zero or more: a string ("60") or a JSON number, at most two decimals, up to '
    f"{POINTS.maximum}.",
)


def to_decimal(value, bounds: Bounds) -> Decimal | None:
    """A canonical decimal as the API takes it (JSON number or string), checked against the
    shared bounds; a ValidationError with their stable code otherwise."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value
        if len(text) > MAX_TEXT_LENGTH:
            raise ValidationError(
                _("This is too long for a number (at most %(max)s characters).")
                % {"max": MAX_TEXT_LENGTH},
                code="too_long",
            )
        if not _CANONICAL.match(text):
            raise ValidationError(
                _("“%(value)s” is not a number: write it as 1500.50, with a dot for decimals.")
                % {"value": text},
                code="invalid_number",
            )
        if len(text.partition(".")[2]) > bounds.decimals:
            # Even as zeros: "1.500" written by someone who means 1,500 is not 1.50.
            raise ValidationError(
                _("“%(value)s” has too many decimals: use at most %(decimals)s.")
                % {"value": text, "decimals": bounds.decimals},
                code="too_many_decimals",
            )
        value = text
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):  # pragma: no cover - the shape check guarantees it
        raise ValidationError(_("Not a number."), code="invalid_number") from None
    return _check_bounds(number, bounds)


def bounded(**values: tuple[Any, Bounds]) -> dict[str, Decimal | None]:
    """Each named value through to_decimal; every refusal at once, by field."""
    result, errors = {}, {}
    for field, (value, bounds) in values.items():
        try:
            result[field] = to_decimal(value, bounds)
        except ValidationError as error:
            errors[field] = error
    if errors:
        raise ValidationError(errors)
    return result
