"""What the art. 26–27 list (D.Lgs. 33/2013) may publish about a party receiving public money.

Art. 26 c. 4 forbids publishing the identifying data of natural persons when they could
reveal the person's health or economic and social hardship. A contribution under an
art. 55 agreement funds a social, health or housing project: a person's name beside it
could reveal exactly that, and no field can tell it apart. So Trama records public money
only to bodies: a party registered under a person's codice fiscale is refused here, before
anything is recorded, and the list never has such a row to publish.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def check_may_receive_public_money(organization, field: str = "receives_public_money") -> None:
    """Refuse public money to a natural person (art. 26 c. 4 D.Lgs. 33/2013)."""
    if organization.is_natural_person:
        raise ValidationError(
            {
                field: ValidationError(
                    _(
                        "%(name)s is registered under a natural person's tax code: Trama "
                        "doesn't record public money to natural persons, because publishing "
                        "their data in the art. 27 list could reveal their health or economic "
                        "and social hardship (art. 26 c. 4 D.Lgs. 33/2013)."
                    )
                    % {"name": organization.name},
                    code="natural_person",
                )
            }
        )


def check_publishable(party) -> None:
    """Everything art. 27 names must be there before the contribution is published."""
    check_may_receive_public_money(party.organization)
    if not party.organization.tax_code:
        raise ValidationError(
            _(
                "%(name)s has no tax code: the art. 27 list names every beneficiary with its "
                "tax code. Ask the body to complete its profile, then publish."
            )
            % {"name": party.organization.name},
            code="no_tax_code",
        )
    missing = [
        label
        for label, value in (
            (_("legal basis"), party.legal_basis),
            (_("office responsible"), party.office),
            (_("official responsible"), party.official),
            (_("selection method"), party.selection_method),
        )
        if not value
    ]
    if missing:
        raise ValidationError(
            _("The art. 27 list needs, for %(name)s: %(missing)s.")
            % {"name": party.organization.name, "missing": ", ".join(missing)},
            code="art27_incomplete",
        )
