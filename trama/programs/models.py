from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trama.organizations.models import Organization

# The years a program, and so anything recorded in it, may span.
MIN_YEAR, MAX_YEAR = 1990, 2100


class Area(models.TextChoices):
    SOCIAL_WELFARE = "SOCIAL_WELFARE", _("Social welfare")
    HEALTH = "HEALTH", _("Health and social care")
    EDUCATION = "EDUCATION", _("Education and youth")
    HOUSING = "HOUSING", _("Housing")
    EMPLOYMENT = "EMPLOYMENT", _("Work and inclusion")
    CULTURE = "CULTURE", _("Culture")
    ENVIRONMENT = "ENVIRONMENT", _("Environment and commons")
    OTHER = "OTHER", _("Other")


class ProgramQuerySet(models.QuerySet):
    def with_territory(self):
        return self.select_related("owner__municipality__province__region")


class Program(models.Model):
    """A public body's sequence of related procedures in a territory and area (Lecco's calls)."""

    owner = models.ForeignKey(
        Organization,
        verbose_name=_("owning public body"),
        on_delete=models.PROTECT,
        related_name="programs",
        limit_choices_to={"kind": Organization.Kind.PUBLIC_BODY},
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    area = models.CharField(_("area"), max_length=16, choices=Area, default=Area.SOCIAL_WELFARE)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-start_year", "title"]
        # The table keeps the name it had when programs lived in `procedures` (migration
        # procedures 0005 moved the model without copying a row; raw SQL names the table).
        db_table = "procedures_program"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="program_years_ordered"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programs:program", args=[self.slug])

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)
