"""The one parser for amounts and quantities people type: what it accepts, what it refuses."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from trama.lib.fields import AmountField
from trama.lib.numbers import (
    AMOUNT,
    POINTS,
    QUANTITY,
    check_bounds,
    clean_number,
    format_amount,
    format_number,
    parse_number,
)

ACCEPTED = [
    ("150000", "150000"),
    ("150.000", "150000"),
    ("150.000,00", "150000"),
    ("150000,00", "150000"),
    ("1.500,5", "1500.50"),
    ("1.500.000", "1500000"),
    ("€ 1.500,50", "1500.50"),
    ("1.500,50 €", "1500.50"),
    ("  410.000  ", "410000"),
    ("0,5", "0.50"),
    ("+3", "3"),
    ("999.999.999.999,99", "999999999999.99"),
]


@pytest.mark.parametrize(("typed", "expected"), ACCEPTED)
def test_it_reads_italian_numbers(typed, expected):
    assert parse_number(typed) == Decimal(expected)


# (typed, code, the Italian message the person reads)
REFUSED = [
    (
        "150,000",
        "too_many_decimals",
        "“150,000” ha tre decimali, ma ne sono ammessi al massimo 2: la virgola introduce i "
        "decimali. Per le migliaia usa il punto: 150.000.",
    ),
    (
        "1500.50",
        "ambiguous_number",
        "“1500.50” non è chiaro: in italiano il punto separa le migliaia a gruppi di tre "
        "(1.500) e la virgola introduce i decimali. Intendevi 1500,50?",
    ),
    (
        "1,234.56",
        "ambiguous_number",
        "“1,234.56” non è chiaro: in italiano il punto separa le migliaia e la virgola "
        "introduce i decimali. Intendevi 1.234,56?",
    ),
    (
        "1e30",
        "invalid_number",
        "“1e30” non è un numero: usa le cifre 0-9, il punto per le migliaia e la virgola per i "
        "decimali, come in 150.000,00.",
    ),
    (
        "١٢٣",
        "invalid_number",
        "“١٢٣” non è un numero: usa le cifre 0-9, il punto per le migliaia e la virgola per i "
        "decimali, come in 150.000,00.",
    ),
    (
        "1" + "0" * 26,
        "too_large",
        "“100000000000000000000000000” è troppo grande: il valore massimo accettato è "
        "999.999.999.999,99.",
    ),
    ("1" * 40, "too_long", "Troppo lungo per un numero (al massimo 32 caratteri)."),
    ("-5", "not_positive", "Il valore deve essere maggiore di zero."),
    ("0", "not_positive", "Il valore deve essere maggiore di zero."),
    (
        "12,",
        "invalid_number",
        "“12,” finisce con una virgola: scrivi i decimali dopo la virgola, oppure toglila.",
    ),
    ("1,5,5", "ambiguous_number", None),
    ("1,234", "too_many_decimals", None),
    ("1.000.000.000.000", "too_large", None),
    ("10,001", "too_many_decimals", None),
    # Below one, three decimals can't be thousands: the plain message, no odd suggestion.
    (
        "0,001",
        "too_many_decimals",
        "“0,001” ha troppi decimali: usane al massimo 2.",
    ),
    ("", "required", "Scrivi un numero."),
]


@pytest.mark.parametrize(("typed", "code", "message"), REFUSED)
def test_it_refuses_what_is_ambiguous_or_malformed(typed, code, message):
    with translation.override("it"), pytest.raises(ValidationError) as refused:
        parse_number(typed)
    assert refused.value.code == code
    if message is not None:
        assert refused.value.messages == [message]


def test_it_applies_the_same_bounds_to_canonical_decimals():
    assert check_bounds(Decimal("1500.50")) == Decimal("1500.50")
    for value, code in [
        (Decimal("1e30"), "too_large"),
        (Decimal("-1"), "not_positive"),
        (Decimal("1.005"), "too_many_decimals"),
        (Decimal("NaN"), "invalid_number"),
    ]:
        with pytest.raises(ValidationError) as refused:
            check_bounds(value, AMOUNT)
        assert refused.value.code == code


def test_it_reads_spreadsheet_cells_as_their_value():
    assert parse_number(1500) == Decimal("1500")
    assert parse_number(1500.5) == Decimal("1500.50")
    assert parse_number(Decimal("2.5"), QUANTITY) == Decimal("2.50")
    with pytest.raises(ValidationError):
        parse_number(True)


def test_points_may_be_zero_but_not_above_the_bound():
    assert parse_number("0", POINTS) == 0
    with pytest.raises(ValidationError):
        parse_number("1.000,01", POINTS)


def test_it_shows_numbers_back_in_italian():
    assert format_number(Decimal("1234567.5")) == "1.234.567,50"
    assert format_number(Decimal("1500"), -1) == "1.500"
    assert format_amount(Decimal("150000")) == "150.000,00\u00a0€"


def test_the_form_field_cleans_and_shows_back_the_italian_way():
    field = AmountField()
    assert field.clean("150.000,00") == Decimal("150000")
    assert field.prepare_value(Decimal("150000")) == "150.000"
    assert field.prepare_value(Decimal("1500.5")) == "1.500,50"
    with translation.override("it"), pytest.raises(ValidationError) as refused:
        field.clean("1500.50")
    assert "Intendevi 1500,50?" in refused.value.messages[0]


def test_templates_show_amounts_the_italian_way_in_every_language():
    page = Template("{{ a|amount }} · {{ q|number }} · {{ q|number:2 }} · {{ none|amount }}")
    with translation.override("en"):
        shown = page.render(Context({"a": Decimal("150000"), "q": Decimal("1500.5"), "none": None}))
    assert shown == "150.000,00\u00a0€ · 1.500,5 · 1.500,50 · "


def test_services_take_canonical_text_and_refuse_what_it_would_round():
    assert clean_number("1234.56") == Decimal("1234.56")
    assert clean_number(Decimal("1500")) == Decimal("1500")
    assert clean_number("150.000,00") == Decimal("150000")
    with pytest.raises(ValidationError) as refused:
        clean_number("1.500", AMOUNT, "amount")
    assert refused.value.error_dict["amount"][0].code == "too_many_decimals"
