"""Integrators' subscriptions to a body's public events, and every delivery tried."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from trama.organizations.models import Organization


class EventKind(models.TextChoices):
    """What a body's procedures announce; the value is the `X-Trama-Event` header."""

    CALL_PUBLISHED = "call.published", _("Call published")
    CLARIFICATION_PUBLISHED = "clarification.published", _("Clarification published")
    DEADLINE_EXTENDED = "deadline.extended", _("Deadline extended")
    RANKING_PUBLISHED = "ranking.published", _("Ranking published")
    AGREEMENT_SIGNED = "agreement.signed", _("Agreement signed")
    REPORT_SUBMITTED = "report.submitted", _("Report submitted")
    REPORT_VERIFIED = "report.verified", _("Report verified")
    PAYMENT_RECORDED = "payment.recorded", _("Payment recorded")
    PROCEDURE_COMPLETED = "procedure.completed", _("Procedure completed")


# A test delivery asked for by the body's administrators: never subscribed to, always sent.
PING = "ping"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def listening(self, organization_id, kind: str) -> list:
        """The active subscriptions of a body that asked for `kind`."""
        # Read, then filtered here: a body has a handful, and SQLite can't search JSON lists.
        return [s for s in self.active().filter(organization_id=organization_id) if kind in s.kinds]


class WebhookSubscription(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("body"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Kept in clear: the platform signs with it. Shown to the body once, when created.
    secret = models.CharField(_("secret"), max_length=100, default=new_secret, editable=False)
    kinds = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("reason it was disabled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["organization", "-created_at"]

    def __str__(self):
        return f"{self.organization} → {self.url}"

    def kind_labels(self) -> list[str]:
        return [EventKind(k).label for k in self.kinds if k in EventKind.values]


class DeliveryQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        DELIVERED = "DELIVERED", _("Delivered")
        FAILED = "FAILED", _("Failed")

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    kind = models.CharField(_("event"), max_length=40)
    event_id = models.CharField(_("event id"), max_length=64)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    # What went wrong or the start of the receiver's answer, bounded (RESPONSE_EXCERPT).
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="PENDING"),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"
            )
        ]

    def __str__(self):
        return f"{self.kind} → {self.subscription_id} ({self.status})"

    def kind_label(self) -> str:
        """The event as people read it (the code stays in the header and the payload)."""
        if self.kind == PING:
            return str(_("Test event"))
        if self.kind in EventKind.values:
            return EventKind(self.kind).label
        return self.kind
