"""The one place that decides who may see and do what on an organisation."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Membership, Organization


@dataclass(frozen=True)
class OrganizationAccess:
    organization: Organization
    membership: Membership | None

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def is_admin(self) -> bool:
        return self.membership is not None and self.membership.is_admin


VIEW, MEMBER, ADMIN = "view", "member", "admin"


def access_organization(user, slug: str, *, need: str = VIEW) -> OrganizationAccess:
    """Return the organisation and the user's standing in it.

    Public profile: anyone. Private pages (members, invitations, audit trail): members only;
    whoever is not a member gets a 404, as if they did not exist. Acts reserved to the
    organisation's administrators give members a 403.
    """
    org = (
        Organization.objects.select_related("municipality__province__region")
        .filter(slug=slug)
        .first()
    )
    if org is None:
        raise Http404(_("No such organisation."))
    membership = None
    if user is not None and user.is_authenticated:
        membership = Membership.objects.filter(organization=org, user=user).first()
    access = OrganizationAccess(org, membership)
    if need in (MEMBER, ADMIN) and not access.is_member:
        raise Http404(_("No such organisation."))
    if need == ADMIN and not access.is_admin:
        raise PermissionDenied(_("Only the organisation's administrators can do this."))
    return access


def memberships_of(user):
    """The user's memberships with their organisations, for the header and dashboard."""
    if user is None or not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
