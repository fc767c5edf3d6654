"""The organisations' acts, announced by signal (trama.organizations.signals), told to people."""

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse

from trama.organizations import signals
from trama.organizations.models import Membership

from .models import Kind
from .services import admin_claims_path, admin_organization_path, notify, staff_users


def admins_of(organization, *, exclude=()):
    """The users who administer `organization`, but those in `exclude`."""
    return [
        m.user
        for m in Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN)
        .exclude(user__in=[u for u in exclude if u is not None])
        .select_related("user")
    ]


@receiver(signals.staff_acted)
def on_staff_act(sender, organization, by, act, member=None, details=None, **kwargs):
    details = details or {}
    context = {
        "organization": organization,
        "staff": by,
        "act": act,
        "member": member,
        "role_label": Membership.Role(details["role"]).label if "role" in details else "",
        "trail_url": settings.SITE_URL + reverse("organizations:audit", args=[organization.slug]),
        **details,
    }
    notify(
        admins_of(organization, exclude=[by, member]),
        Kind.STAFF_ACT,
        template="organizations/email/staff_act",
        context=context,
        path=organization.get_absolute_url(),
    )


@receiver(signals.claim_decided)
def on_claim_decided(sender, claim, by, **kwargs):
    notify(
        [claim.user],
        Kind.CLAIM_DECIDED,
        template="organizations/email/claim_decided",
        context={"claim": claim, "organization": claim.organization},
        path=claim.organization.get_absolute_url(),
    )


@receiver(signals.claim_submitted)
def on_claim_submitted(sender, claim, **kwargs):
    notify(
        staff_users().exclude(pk=claim.user_id),
        Kind.CLAIM_SUBMITTED,
        template="notifications/email/claim_submitted",
        context={"claim": claim, "organization": claim.organization, "user": claim.user},
        path=admin_claims_path(claim),
    )


def _body_to_verify(organization, by, *, changed: bool):
    notify(
        staff_users().exclude(pk=by.pk),
        Kind.BODY_TO_VERIFY,
        template="notifications/email/body_to_verify",
        context={"organization": organization, "by": by, "changed": changed},
        path=admin_organization_path(organization),
    )


@receiver(signals.organization_registered)
def on_organization_registered(sender, organization, by, **kwargs):
    if not by.is_staff:
        _body_to_verify(organization, by, changed=False)


@receiver(signals.organization_needs_verification)
def on_organization_changed(sender, organization, by, **kwargs):
    if not by.is_staff:
        _body_to_verify(organization, by, changed=True)
