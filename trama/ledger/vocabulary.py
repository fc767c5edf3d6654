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
