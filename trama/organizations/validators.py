from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.it import codicefiscale, iva


def normalize_tax_code(value: str) -> str:
    return codicefiscale.compact(value or "")


def validate_tax_code(value: str) -> None:
    """An Italian codice fiscale: 11 digits for a body, 16 characters for a person."""
    try:
        codicefiscale.validate(value)
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("%(value)s is not a valid Italian tax code (codice fiscale)."),
            code="invalid_tax_code",
            params={"value": value},
        ) from None


def validate_vat_number(value: str) -> None:
    try:
        iva.validate(value)
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("%(value)s is not a valid Italian VAT number (partita IVA)."),
            code="invalid_vat_number",
            params={"value": value},
        ) from None
