"""Partnerships: the bodies that work together in a territory over time (DESIGN.md).

A CONTRACTUAL partnership exists through a program's agreements: Trama forms it from the
program's first signed agreement (or an officer records it from history) and it grows with
each later call and agreement; its members are computed (`network.py`), never typed.
An INSTITUTIONAL partnership is a legal entity, itself an organisation on Trama, whose
member bodies hold shares (`organizations.shares`); it may record the contractual
partnership it grew from.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trama.organizations.models import Organization
from trama.programs.models import Program


class Partnership(models.Model):
    class Kind(models.TextChoices):
        CONTRACTUAL = "CONTRACTUAL", _("Contractual partnership")
        INSTITUTIONAL = "INSTITUTIONAL", _("Institutional partnership")

    class Origin(models.TextChoices):
        AGREEMENT = "AGREEMENT", _("Formed from the program's first signed agreement")
        HISTORY = "HISTORY", _("Recorded from history")
        ENTITY = "ENTITY", _("A legal entity recorded on Trama")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    # The public body that names and describes it: the program's owner for a contractual
    # partnership, the public body that recorded the entity for an institutional one.
    owner = models.ForeignKey(
        Organization,
        verbose_name=_("public body"),
        on_delete=models.PROTECT,
        related_name="partnerships",
        limit_choices_to={"kind": Organization.Kind.PUBLIC_BODY},
    )
    program = models.OneToOneField(
        Program,
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partnership",
    )
    entity = models.OneToOneField(
        Organization,
        verbose_name=_("legal entity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="institution",
    )
    grew_from = models.OneToOneField(
        "self",
        verbose_name=_("grew from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="became",
        limit_choices_to={"kind": "CONTRACTUAL"},
    )
    formed_on = models.DateField(_("formed on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["formed_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="CONTRACTUAL", program__isnull=False, entity__isnull=True)
                    & Q(grew_from__isnull=True)
                )
                | Q(kind="INSTITUTIONAL", entity__isnull=False),
                name="partnership_kind_fields",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("partnerships:detail", args=[self.slug])

    @property
    def is_institutional(self) -> bool:
        return self.kind == self.Kind.INSTITUTIONAL


class Coordinator(models.Model):
    """A person who coordinates a partnership, for the body they work for."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="coordinators"
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("body"), on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("coordinator")
        verbose_name_plural = _("coordinators")
        ordering = ["name"]

    def __str__(self):
        return self.name
