"""Notifications to the people who act for a body in a procedure."""

from django.urls import reverse

from trama.notifications.models import Kind
from trama.notifications.services import admin_organization_path, notify, staff_users
from trama.organizations.models import Membership

from ..access import member_reads


def notify_admins(organization, kind, *, template: str, context: dict, path: str, about=None):
    """Notify every administrator of `organization` (inbox now, e-mail on commit).

    With `about` (a proposal), only the administrators who may read it: one who joined
    after its submission gets nothing of it while it is sealed. Returns the recipients.
    """
    admins = Membership.objects.filter(
        organization=organization,
        role=Membership.Role.ADMIN,
        user__is_active=True,
        user__deleted_at__isnull=True,
    ).select_related("user")
    users = [m.user for m in admins if about is None or member_reads(m, about)]
    notify(users, kind, template=template, context=context, path=path)
    return users


def proposal_path(proposal) -> str:
    return reverse("procedures:proposal", args=[proposal.pk])


def notify_partner_invited(proposal, organization) -> None:
    """The partner's administrators confirm; a body without one is a case for the staff."""
    context = {"proposal": proposal, "lead": proposal.lead, "organization": organization}
    told = notify_admins(
        organization,
        Kind.PARTNER_INVITED,
        template="procedures/email/partner_invited",
        context=context,
        path=proposal_path(proposal),
        about=proposal,
    )
    if not told:
        notify(
            staff_users(),
            Kind.PARTNER_WITHOUT_ADMIN,
            template="procedures/email/partner_without_admin",
            context={**context, "procedure": proposal.procedure},
            path=admin_organization_path(organization),
        )
