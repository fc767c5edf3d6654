"""Which public body and which year a transparency page, download, feed or API call is about.

Refusals are NotFound with a message for people: pages show it on a 404 page, the API in
its JSON error.
"""

from django.utils.translation import gettext as _

from trama.organizations.models import Organization
from trama.programs.models import MAX_YEAR, MIN_YEAR


class NotFound(Exception):
    """A 404 whose reason the visitor reads (the project's 404 page says only "not found")."""


def public_body(slug: str) -> Organization:
    """The public body with this short name, or NotFound saying why."""
    body = (
        Organization.objects.select_related("municipality__province__region")
        .filter(slug=slug)
        .first()
    )
    if body is None:
        raise NotFound(
            _("There is no body with the short name “%(slug)s” on Trama.") % {"slug": slug}
        )
    if not body.is_public_body:
        raise NotFound(
            _(
                "%(name)s is not a public body: transparency pages and the art. 27 list are "
                "published by the public administrations that run procedures and grant "
                "contributions."
            )
            % {"name": body.name}
        )
    return body


def valid_year(text: str) -> int:
    """The year in the URL, or NotFound saying which years exist."""
    if not (text.isdigit() and len(text) == 4 and MIN_YEAR <= int(text) <= MAX_YEAR):
        raise NotFound(
            _("“%(year)s” is not a valid year: write it with four digits, from %(min)s to %(max)s.")
            % {"year": text[:20], "min": MIN_YEAR, "max": MAX_YEAR}
        )
    return int(text)
