"""Every write on programs goes through these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.lib.slugs import unique_slug
from trama.organizations.access import check_acts_for_public_body

from .models import MAX_YEAR, MIN_YEAR, Program


def create_program(
    *, by, owner, title, start_year, end_year, area="SOCIAL_WELFARE", description=""
) -> Program:
    """Open a program for a verified public body."""
    check_acts_for_public_body(by, owner)
    program = Program(
        owner=owner,
        title=(title or "").strip(),
        area=area,
        start_year=start_year,
        end_year=end_year,
        description=description,
    )
    errors = {}
    if not program.title:
        errors["title"] = ValidationError(_("Give the program a title."), code="required")
    if start_year and end_year and end_year < start_year:
        errors["end_year"] = ValidationError(
            _("The last year cannot come before the first."), code="years_inverted"
        )
    for field, year in (("start_year", start_year), ("end_year", end_year)):
        if not year or not MIN_YEAR <= int(year) <= MAX_YEAR:
            message = _("Give a year between %(first)s and %(last)s.") % {
                "first": MIN_YEAR,
                "last": MAX_YEAR,
            }
            errors.setdefault(field, ValidationError(message, code="year_out_of_range"))
    if errors:
        raise ValidationError(errors)
    program.slug = unique_slug(Program, program.title, "programma")
    with transaction.atomic():
        program.save()
        record_event(
            chain_for(program),
            "program.created",
            by=by,
            target=program,
            data={"title": program.title, "owner": owner.pk},
        )
    return program
