from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trama.organizations.models import Organization

from .procedures import Procedure


class Participation(models.Model):
    """A body's expression of interest in a co-programming, and whether it was admitted."""

    class State(models.TextChoices):
        EXPRESSED = "EXPRESSED", _("Interest expressed")
        ADMITTED = "ADMITTED", _("Admitted")
        NOT_ADMITTED = "NOT_ADMITTED", _("Not admitted")

    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="participations"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=State, default=State.EXPRESSED)
    motivation = models.TextField(_("why the body takes part"), blank=True)
    reason = models.TextField(_("reason of the decision"), blank=True)
    expressed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expressed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        ordering = ["procedure", "expressed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "organization"], name="one_participation_each"
            )
        ]

    def __str__(self):
        return f"{self.organization} ({self.procedure_id})"


class Meeting(models.Model):
    """A meeting of a procedure: a co-programming's thematic table (`attendees`), or a
    session of the co-design table or of the agreement's steering group (`attendance` by
    person and body, minutes drafted by the RUP and approved by each attending body)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("theme"), max_length=200)
    held_at = models.DateTimeField(_("date and time"))
    agenda = models.TextField(_("agenda"))
    place = models.CharField(_("place"), max_length=200, blank=True, default="")
    online_link = models.URLField(_("online link"), max_length=500, blank=True, default="")
    minutes = models.TextField(_("minutes"), blank=True)
    # Each new draft of the minutes is a new round: the bodies' reviews count on the round
    # they read (`MinutesReview.round`).
    minutes_round = models.PositiveIntegerField(default=0, editable=False)
    minutes_at = models.DateTimeField(_("minutes drafted at"), null=True, blank=True)
    attendees = models.ManyToManyField(
        Organization, verbose_name=_("bodies attending"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thematic table")
        verbose_name_plural = _("thematic tables")
        ordering = ["procedure", "held_at", "pk"]

    def __str__(self):
        return self.title


class Contribution(models.Model):
    """What an admitted participant brings to the co-programming: needs, resources, ideas."""

    class Kind(models.TextChoices):
        NEED = "NEED", _("Need seen")
        RESOURCE = "RESOURCE", _("Resource available")
        PROPOSAL = "PROPOSAL", _("Proposal")

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="contributions")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    text = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["procedure", "created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.organization}"
