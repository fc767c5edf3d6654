from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    istat_code = models.CharField(_("ISTAT code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Province(models.Model):
    """A province, metropolitan city or free consortium (ISTAT 'unità sovracomunale')."""

    istat_code = models.CharField(_("ISTAT code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    abbreviation = models.CharField(_("abbreviation"), max_length=2, db_index=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="provinces")

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.abbreviation})"


class MunicipalityQuerySet(models.QuerySet):
    def search(self, text: str):
        return self.filter(name__istartswith=text.strip()) if text and text.strip() else self


class Municipality(models.Model):
    istat_code = models.CharField(_("ISTAT code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=150, db_index=True)
    cadastral_code = models.CharField(_("cadastral code"), max_length=4, blank=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="municipalities")
    # Resident population on 1 January of `population_year` (ISTAT; load_population).
    population = models.PositiveIntegerField(_("resident population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.province.abbreviation})"
