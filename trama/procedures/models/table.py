"""The co-design table: the shared project, edited in versions, and its adoption.

The table's meetings are `Meeting` rows of the procedure (the same tool as the
co-programming's thematic tables and the agreement's steering group).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trama.lib.storage import private_storage
from trama.organizations.models import Organization

from .procedures import Procedure


class ProjectVersion(models.Model):
    """One saved version of the shared project (Markdown). Never changed: a save is a new row.

    `base` is the version the editor started from: saving on a base that is no longer the
    latest is a conflict, shown to the editor, and nothing is overwritten.
    """

    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="project_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("shared project"))
    summary = models.CharField(_("what changed"), max_length=300, blank=True)
    base = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shared project version")
        verbose_name_plural = _("shared project versions")
        ordering = ["procedure", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="project_version_number_once"
            )
        ]

    def __str__(self):
        return f"{self.procedure_id} v{self.number}"


def adoption_path(instance, filename):
    return f"procedures/{instance.procedure_id}/adoption/{filename}"


class Adoption(models.Model):
    """The RUP's reasoned act adopting a version of the shared project (one per procedure)."""

    procedure = models.OneToOneField(Procedure, on_delete=models.PROTECT, related_name="adoption")
    version = models.ForeignKey(ProjectVersion, on_delete=models.PROTECT, related_name="+")
    act_number = models.CharField(_("act number"), max_length=80)
    act_date = models.DateField(_("act date"))
    reasons = models.TextField(_("reasons"))
    file = models.FileField(_("signed act"), storage=private_storage, upload_to=adoption_path)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("adoption of the shared project")
        verbose_name_plural = _("adoptions of the shared project")

    def __str__(self):
        return f"{self.procedure_id}: {self.act_number}"


class Attendance(models.Model):
    """One person at a table meeting, for one body (the public body's too)."""

    meeting = models.ForeignKey(
        "procedures.Meeting", on_delete=models.CASCADE, related_name="attendance"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    person_name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "organization__name", "person_name", "pk"]

    def __str__(self):
        return f"{self.person_name} ({self.organization})"


class MinutesReview(models.Model):
    """A body's word on a meeting's minutes, given by one of its administrators.

    Rows are never changed: a body that commented may approve later, and a new draft of the
    minutes starts a new round, where earlier words no longer count.
    """

    class Decision(models.TextChoices):
        APPROVED = "APPROVED", _("Approved")
        COMMENTED = "COMMENTED", _("Commented")

    meeting = models.ForeignKey(
        "procedures.Meeting", on_delete=models.CASCADE, related_name="minutes_reviews"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField()
    decision = models.CharField(_("decision"), max_length=10, choices=Decision)
    comment = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review of the minutes")
        verbose_name_plural = _("reviews of the minutes")
        ordering = ["meeting", "at", "pk"]

    def __str__(self):
        return f"{self.meeting_id} {self.organization_id}: {self.decision}"


class SectionComment(models.Model):
    """A comment on one section (a `##` heading) of a version of the shared project."""

    version = models.ForeignKey(ProjectVersion, on_delete=models.PROTECT, related_name="comments")
    section = models.SlugField(_("section"), max_length=200, allow_unicode=True)
    heading = models.CharField(_("heading"), max_length=300)
    text = models.TextField(_("comment"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment on the shared project")
        verbose_name_plural = _("comments on the shared project")
        ordering = ["version", "at", "pk"]

    def __str__(self):
        return f"{self.version} §{self.section}"
