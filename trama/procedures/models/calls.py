from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from trama.lib.storage import private_storage
from trama.organizations.models import Organization

from .procedures import Procedure


class Criterion(models.Model):
    """An evaluation criterion of a call: what the proposal must address and its points."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("what the proposal must show"), blank=True)
    max_points = models.DecimalField(
        _("maximum points"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["procedure", "position", "pk"]

    def __str__(self):
        return self.title


class CallBudget(models.Model):
    """The public budget a call makes available in one year."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="budget")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (€)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("public budget of the call")
        verbose_name_plural = _("public budget of the call")
        ordering = ["procedure", "year"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "year"], name="call_budget_year"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="call_budget_positive"),
        ]

    def __str__(self):
        return f"{self.year}: {self.amount}"


class CallAttachment(models.Model):
    """A document published with the call (the notice itself, forms, annexes)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to="calls/%Y/%m/", storage=private_storage)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment of the call")
        verbose_name_plural = _("attachments of the call")
        ordering = ["procedure", "pk"]

    def __str__(self):
        return self.title


class Clarification(models.Model):
    """A question on the call; its answer is published to all, the asker stays hidden."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="clarifications"
    )
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_for = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")
        ordering = ["procedure", "asked_at", "pk"]

    def __str__(self):
        return self.question[:60]


class Notice(models.Model):
    """A public notice on a procedure: a deadline extension, a cancellation, an outcome."""

    class Kind(models.TextChoices):
        EXTENSION = "EXTENSION", _("Deadline extended")
        CANCELLATION = "CANCELLATION", _("Procedure cancelled")
        PARTICIPANTS = "PARTICIPANTS", _("Admitted participants")
        OUTCOME = "OUTCOME", _("Outcome published")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    text = models.TextField(_("text"))
    protocol_number = models.CharField(_("protocol number"), max_length=80, blank=True)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["procedure", "published_at", "pk"]

    def __str__(self):
        return self.get_kind_display()
