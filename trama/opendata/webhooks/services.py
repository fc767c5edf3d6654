"""Subscriptions of a body's integrators, and the deliveries of its public events."""

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.organizations.access import is_admin

from . import events, tasks
from .models import PING, EventKind, WebhookDelivery, WebhookSubscription

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


# --- checks ---------------------------------------------------------------------------------


def check_admin(organization, by) -> None:
    if not is_admin(by, organization.pk):
        raise PermissionDenied(_("Only the organisation's administrators can do this."))


def check_url(url: str) -> str:
    """HTTPS only; plain HTTP to this machine only while developing (DEBUG)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    local = (parts.hostname or "") in LOCAL_HOSTS
    if (
        parts.scheme == "https"
        and parts.hostname
        or parts.scheme == "http"
        and local
        and settings.DEBUG
    ):
        pass
    else:
        raise ValidationError(
            {"url": ValidationError(_("The address must start with https://."), code="not_https")}
        )
    if parts.username or parts.password:
        raise ValidationError(
            {
                "url": ValidationError(
                    _("The address can't hold a user name or a password."), code="credentials"
                )
            }
        )
    return url


def check_kinds(kinds) -> list[str]:
    chosen = [k for k in EventKind.values if k in set(kinds or ())]
    unknown = set(kinds or ()) - set(EventKind.values)
    if unknown or not chosen:
        raise ValidationError(
            {
                "kinds": ValidationError(
                    _("Choose at least one event among those listed."), code="invalid_kinds"
                )
            }
        )
    return chosen


# --- the body's acts ------------------------------------------------------------------------


def create_subscription(organization, *, by, url: str, kinds, description: str = ""):
    """Subscribe an integrator's address to some of the body's events; its secret is new."""
    check_admin(organization, by)
    if organization.kind != organization.Kind.PUBLIC_BODY:
        # The events are those of the procedures a body runs: only public bodies run them.
        raise ValidationError(
            _("Webhooks announce the procedures a public body runs: this body runs none."),
            code="not_public_body",
        )
    url, kinds = check_url(url), check_kinds(kinds)
    with transaction.atomic():
        # One subscription per address: a page reloaded or a form sent twice adds none.
        type(organization).objects.select_for_update().filter(pk=organization.pk).first()
        if organization.webhook_subscriptions.filter(url=url).exists():
            raise ValidationError(
                {
                    "url": ValidationError(
                        _("This body already sends its events to this address."),
                        code="duplicate_url",
                    )
                }
            )
        subscription = WebhookSubscription.objects.create(
            organization=organization,
            url=url,
            kinds=kinds,
            description=description.strip()[:200],
            created_by=by,
        )
        record_event(
            chain_for(organization),
            "webhook.created",
            by=by,
            target=subscription,
            data={"url": url, "kinds": kinds},
        )
    return subscription


def reenable_subscription(subscription, *, by):
    """Turn a disabled subscription back on; its pending deliveries are tried again at once."""
    check_admin(subscription.organization, by)
    now = timezone.now()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        subscription.active = True
        subscription.failures = 0
        subscription.disabled_at = None
        subscription.disabled_reason = ""
        subscription.save(update_fields=["active", "failures", "disabled_at", "disabled_reason"])
        subscription.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(
            next_attempt_at=now
        )
        record_event(
            chain_for(subscription.organization), "webhook.enabled", by=by, target=subscription
        )
        transaction.on_commit(_sweep_soon)
    return subscription


def delete_subscription(subscription, *, by) -> None:
    """Remove a subscription and its delivery log."""
    check_admin(subscription.organization, by)
    with transaction.atomic():
        record_event(
            chain_for(subscription.organization),
            "webhook.deleted",
            by=by,
            target=subscription,
            data={"url": subscription.url},
        )
        subscription.delete()


def send_ping(subscription, *, by) -> WebhookDelivery:
    """A test delivery, to check the receiver and its verification of the signature."""
    check_admin(subscription.organization, by)
    if not subscription.active:
        raise ValidationError(
            _("Enable the subscription again before sending a test."), code="disabled"
        )
    now = timezone.now()
    event_id = "ping_" + uuid.uuid4().hex
    with transaction.atomic():
        item = WebhookDelivery.objects.create(
            subscription=subscription,
            kind=PING,
            event_id=event_id,
            payload=events.ping_payload(
                subscription.organization, event_id=event_id, occurred_at=now
            ),
            next_attempt_at=now,
        )
        transaction.on_commit(lambda: _deliver_soon(item.pk))
    return item


# --- from an act to deliveries ----------------------------------------------------------------


def enqueue_event(event) -> list[WebhookDelivery]:
    """Queue a delivery of an audit event to each subscription that asked for its kind.

    Runs inside the act's transaction: no delivery of an act that rolled back.
    """
    kind = events.kind_of(event)
    if kind is None:
        return []
    found = events.payload_for(event, kind)
    if found is None:
        return []
    organization_id, payload = found
    now = timezone.now()
    created = [
        WebhookDelivery.objects.create(
            subscription=subscription,
            kind=kind,
            event_id=payload["id"],
            payload=payload,
            next_attempt_at=now,
        )
        for subscription in WebhookSubscription.objects.listening(organization_id, kind)
    ]
    for item in created:
        transaction.on_commit(lambda pk=item.pk: _deliver_soon(pk))
    return created


def _deliver_soon(pk: int) -> None:
    tasks.deliver.enqueue(pk)


def _sweep_soon() -> None:
    tasks.sweep.enqueue()
