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


class NetworkMember(models.Model):
    """A roll-up kept on write (`network.refresh`, `network.grow`): a non-public body's first
    day in the network of a program, of a public body's programs (owner), of a province's
    or of a region's — the earliest call it took part in, agreement it signed or year it
    contributed to the ledger — and the first call it took part in (for "new to the
    network in this call"). A territory's network is read from these rows, never from
    its calls, agreements and contributors one by one."""

    class How(models.TextChoices):
        CALL = "call", _("a call")
        AGREEMENT = "agreement", _("an agreement")
        LEDGER = "ledger", _("the ledger")

    level = models.CharField(max_length=12)
    scope_id = models.BigIntegerField()
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    third_sector = models.BooleanField()
    # None: the body took part only in calls with no opening day (recorded from history
    # without one); it counts for the calls' newcomers, not yet for the network's size.
    since = models.DateField(null=True)
    how = models.CharField(max_length=10, choices=How, blank=True)
    first_call = models.ForeignKey(
        "procedures.Procedure", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    first_call_opened = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "scope_id", "organization"], name="network_member_key"
            )
        ]
        indexes = [
            models.Index(fields=["level", "scope_id", "since"], name="network_member_since"),
            models.Index(fields=["organization", "level"], name="network_member_org"),
        ]

    def __str__(self):
        return f"{self.level}:{self.scope_id} {self.organization_id} {self.since}"


class StoryStep(models.Model):
    """A roll-up kept on write (`story.refresh`): one step of the territories' stories — a
    program, a call, a dual-purpose tender, a signed agreement, a partnership — with where
    it belongs (program, public body, province, region), so that a page of a region's
    thousands of steps, their number and a territory's counts are read by index."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, null=True, related_name="+")
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, null=True, related_name="+"
    )
    procedure_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField()
    province_id = models.BigIntegerField(null=True)
    region_id = models.BigIntegerField(null=True)
    day = models.DateField()
    # The order of steps on the same day (`story.RANK`).
    rank = models.SmallIntegerField()
    kind = models.CharField(max_length=12)
    title = models.CharField(max_length=300)
    # What the step links to: a slug, or a call's id.
    ref = models.CharField(max_length=80)
    program_slug = models.CharField(max_length=80, blank=True)
    historical = models.BooleanField(default=False)
    # A call's kind; "grew" for an institution that grew from a contractual partnership.
    sub = models.CharField(max_length=20, blank=True)
    # A call's Third-Sector bodies (participants, parties to its signed agreement).
    taking_part = models.PositiveIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=[column, "day", "rank", "title"], name=f"story_step_{column}")
            for column in ("program", "owner_id", "province_id", "region_id")
        ]

    def __str__(self):
        return f"{self.day} {self.kind} {self.title}"
