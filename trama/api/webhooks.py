"""A body's webhooks, for its administrators: the same acts as the pages, by token."""

from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from trama.opendata.webhooks import services
from trama.opendata.webhooks.access import access_subscription, access_webhooks
from trama.opendata.webhooks.models import EventKind

from .auth import TokenAuth
from .bounds import Id, InputSchema, Pagination, Slug, Text
from .errors import errors

router = Router(tags=["webhooks"])

EventKindName = Literal[tuple(EventKind.values)]


class WebhookOut(Schema):
    id: int
    url: str
    description: str
    kinds: list[str]
    active: bool
    failures: int = Field(description="Failed attempts in a row; the webhook is disabled at N.")
    disabled_at: datetime | None
    disabled_reason: str
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="Signs every request. Returned once, by this answer only.")


class WebhookIn(InputSchema):
    url: Text(500) = Field(description="An https:// address that accepts POST requests.")
    kinds: list[EventKindName] = Field(min_length=1, max_length=len(EventKind.values))
    description: Text(200) = ""


class DeliveryOut(Schema):
    id: int
    kind: str
    event_id: str
    status: str
    attempts: int
    response_code: int | None
    response_excerpt: str
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    created_at: datetime


class DeletedOut(Schema):
    deleted: bool


@router.get(
    "/organizations/{slug}/webhooks",
    response={200: list[WebhookOut], **errors(401, 403, 404, 422)},
    auth=TokenAuth(),
    summary="A body's webhooks (its administrators)",
)
@paginate(Pagination)
def list_webhooks(request, slug: Slug):
    organization = access_webhooks(request.user, slug)
    return organization.webhook_subscriptions.order_by("-created_at", "-pk")


@router.post(
    "/organizations/{slug}/webhooks",
    response={201: WebhookCreatedOut, **errors(400, 401, 403, 404, 422)},
    auth=TokenAuth(write=True),
    summary="Add a webhook",
)
def create_webhook(request, slug: Slug, payload: WebhookIn):
    """Refusals: `not_https`, `credentials`, `invalid_kinds`, `duplicate_url` (the body
    already sends to this address). A body that isn't a public body has no webhooks: 404."""
    organization = access_webhooks(request.user, slug)
    subscription = services.create_subscription(
        organization,
        by=request.user,
        url=payload.url,
        kinds=payload.kinds,
        description=payload.description,
    )
    return Status(201, subscription)


@router.get(
    "/organizations/{slug}/webhooks/{webhook_id}/deliveries",
    response={200: list[DeliveryOut], **errors(401, 403, 404, 422)},
    auth=TokenAuth(),
    summary="A webhook's delivery log, newest first",
)
@paginate(Pagination)
def list_webhook_deliveries(request, slug: Slug, webhook_id: Id):
    subscription = access_subscription(request.user, slug, webhook_id)
    return subscription.deliveries.order_by("-created_at", "-pk")


@router.post(
    "/organizations/{slug}/webhooks/{webhook_id}/ping",
    response={201: DeliveryOut, **errors(400, 401, 403, 404, 422)},
    auth=TokenAuth(write=True),
    summary="Send a test event",
)
def ping_webhook(request, slug: Slug, webhook_id: Id):
    """Refusal: `disabled` (enable the webhook first)."""
    subscription = access_subscription(request.user, slug, webhook_id)
    delivery = services.send_ping(subscription, by=request.user)
    delivery.refresh_from_db()
    return Status(201, delivery)


@router.post(
    "/organizations/{slug}/webhooks/{webhook_id}/enable",
    response={200: WebhookOut, **errors(400, 401, 403, 404, 422)},
    auth=TokenAuth(write=True),
    summary="Enable a disabled webhook again",
)
def enable_webhook(request, slug: Slug, webhook_id: Id):
    subscription = access_subscription(request.user, slug, webhook_id)
    return services.reenable_subscription(subscription, by=request.user)


@router.post(
    "/organizations/{slug}/webhooks/{webhook_id}/delete",
    response={200: DeletedOut, **errors(400, 401, 403, 404, 422)},
    auth=TokenAuth(write=True),
    summary="Delete a webhook and its delivery log",
)
def delete_webhook(request, slug: Slug, webhook_id: Id):
    subscription = access_subscription(request.user, slug, webhook_id)
    services.delete_subscription(subscription, by=request.user)
    return {"deleted": True}
