"""What a resource is: the ledger's vocabularies, free of models so a budget plan can share them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ECONOMIC = "ECONOMIC", _("Economic")
    PROJECT = "PROJECT", _("Project")
    ORGANISATIONAL = "ORGANISATIONAL", _("Organisational")
    PROFESSIONAL = "PROFESSIONAL", _("Professional")


class Source(models.TextChoices):
    PUBLIC_OWNER = "PUBLIC_OWNER", _("Owning public body")
    OTHER_PUBLIC = "OTHER_PUBLIC", _("Other public funds")
    FOUNDATION_GRANT = "FOUNDATION_GRANT", _("Foundation grant")
    OWN_RESOURCES = "OWN_RESOURCES", _("Own resources")
    PRIVATE_DONATIONS = "PRIVATE_DONATIONS", _("Private donations")


# What the figures call additional resources (A): the non-public sources, what partners bring
# on top of public money. The only list of them: ledger rules, figures, roll-ups, exports,
# budget plans and the benchmark's SQL (`additional_sources_sql`) read it from here.
ADDITIONAL_SOURCES = (Source.FOUNDATION_GRANT, Source.OWN_RESOURCES, Source.PRIVATE_DONATIONS)


def additional_sources_sql() -> str:
    """The additional sources as a SQL list literal: ('FOUNDATION_GRANT', …)."""
    return "(" + ", ".join(f"'{source}'" for source in ADDITIONAL_SOURCES) + ")"
