"""Who may see and manage a body's webhooks: its administrators, and no one else.

A non-member doesn't learn the body has any (404); a member who isn't an administrator is
refused (403) — the same answers as the body's other administration pages.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from trama.organizations.access import ADMIN, access_organization

from .models import WebhookSubscription


def access_webhooks(user, slug: str):
    """The body, for one of its administrators; only a public body has webhooks."""
    organization = access_organization(user, slug, need=ADMIN).organization
    if not organization.is_public_body:
        raise Http404(
            _("Webhooks announce the procedures a public body runs: this body runs none.")
        )
    return organization


def access_subscription(user, slug: str, pk: int) -> WebhookSubscription:
    """One of the body's subscriptions, for one of its administrators."""
    organization = access_webhooks(user, slug)
    subscription = (
        WebhookSubscription.objects.filter(organization=organization, pk=pk)
        .select_related("organization")
        .first()
    )
    if subscription is None:
        raise Http404(_("No such webhook."))
    return subscription
