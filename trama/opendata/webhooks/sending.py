"""Trying a delivery: one signed POST, its outcome logged, the next attempt planned.

A subscription that fails too many times in a row is disabled and its body's administrators
are told by e-mail (in the site's language, through the task queue).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.lib.mail import absolute_url, compose, queue_email, render_template_email
from trama.organizations.models import Membership

from . import delivery as http
from .models import PING, WebhookDelivery, WebhookSubscription

# Waits before the 2nd, 3rd… attempt of one delivery; after the last, it has failed.
BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
)
# A delivery being tried is set aside this long, so that a sweep running meanwhile skips it.
LEASE = datetime.timedelta(minutes=2)


def _claim(pk: int, now):
    """Set the delivery aside for this attempt, or None if it isn't due or someone has it."""
    with transaction.atomic():
        item = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(pk=pk, subscription__active=True)
            .due(now)
            .first()
        )
        if item is None:
            return None
        item.next_attempt_at = now + LEASE
        item.save(update_fields=["next_attempt_at"])
    return item


def attempt_delivery(pk: int) -> str | None:
    """Try one due delivery once and record what happened; its status, or None if not due."""
    now = timezone.now()
    item = _claim(pk, now)
    if item is None:
        return None
    subscription = item.subscription
    timestamp = str(int(now.timestamp()))
    outcome = http.post(
        subscription.url,
        secret=subscription.secret,
        kind=item.kind,
        delivery_id=str(item.pk),
        timestamp=timestamp,
        payload=item.payload,
    )
    with transaction.atomic():
        item = WebhookDelivery.objects.select_for_update().get(pk=item.pk)
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        item.attempts += 1
        item.last_attempt_at = now
        item.response_code = outcome.code
        item.response_excerpt = outcome.excerpt[: http.RESPONSE_EXCERPT]
        if outcome.ok:
            item.status = WebhookDelivery.Status.DELIVERED
            item.next_attempt_at = None
            if subscription.failures:
                subscription.failures = 0
                subscription.save(update_fields=["failures"])
        else:
            if item.attempts > len(BACKOFF) or item.kind == PING:
                item.status = WebhookDelivery.Status.FAILED
                item.next_attempt_at = None
            else:
                item.next_attempt_at = now + BACKOFF[item.attempts - 1]
            subscription.failures += 1
            subscription.save(update_fields=["failures"])
            if subscription.active and subscription.failures >= settings.WEBHOOKS_MAX_FAILURES:
                _disable(subscription, now, outcome)
        item.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "response_code",
                "response_excerpt",
                "status",
                "next_attempt_at",
            ]
        )
    return item.status


def _disable(subscription, now, outcome) -> None:
    """Too many failures in a row: stop trying, tell the body's administrators."""
    code = outcome.code or outcome.excerpt[:100]
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("%(count)s failed deliveries in a row; the last: %(code)s") % {
            "count": subscription.failures,
            "code": code,
        }
    subscription.active = False
    subscription.disabled_at = now
    subscription.disabled_reason = reason[:300]
    subscription.save(update_fields=["active", "disabled_at", "disabled_reason"])
    record_event(
        chain_for(subscription.organization),
        "webhook.disabled",
        target=subscription,
        data={"failures": subscription.failures},
    )
    admins = [
        m.user.email
        for m in Membership.objects.filter(
            organization=subscription.organization,
            role=Membership.Role.ADMIN,
            user__is_active=True,
        ).select_related("user")
        if m.user.email
    ]
    if not admins:
        return
    path = reverse("webhooks:list", args=[subscription.organization.slug])
    context = {"subscription": subscription, "organization": subscription.organization}
    title, body = render_template_email("webhooks/email/disabled", context)
    with translation.override(settings.LANGUAGE_CODE):
        email = compose(title=title, body=body, url=absolute_url(path))
    queue_email(email, admins)


def deliver_due(*, limit: int = 500) -> int:
    """Try every delivery whose time has come (the scheduler's sweep); how many were tried."""
    now = timezone.now()
    pks = list(
        WebhookDelivery.objects.due(now)
        .filter(subscription__active=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(attempt_delivery(pk) is not None for pk in pks)
