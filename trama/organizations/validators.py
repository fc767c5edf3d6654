import re

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


# Codes in IndicePA are short ("c_e507", "r_lombar", "corte_cost"): letters, digits and
# underscores, up to 11 characters.
IPA_CODE = re.compile(r"^[A-Za-z0-9_]{2,11}$")


def validate_ipa_code(value: str) -> None:
    """An IndicePA code (codice iPA): 2 to 11 letters, digits or underscores."""
    if not IPA_CODE.match(value or ""):
        raise ValidationError(
            _(
                "%(value)s is not an IPA code: write the body's code in IndicePA "
                "(indicepa.gov.it), 2 to 11 letters, digits or underscores, e.g. c_e507."
            ),
            code="invalid_ipa_code",
            params={"value": value},
        )
