"""The one place that decides who may see and do what on an organisation.

It also holds the membership predicates every app asks — "a member of", "an administrator
of", "acts for a verified public body", "speaks for a verified funder" — so services, access
helpers and views of the ledger and the procedures ask the same question the same way.
"""

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
    access = OrganizationAccess(org, membership_of(user, org.pk))
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


# --- membership predicates ------------------------------------------------------------------


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def membership_of(user, organization_id) -> Membership | None:
    """The user's membership of the organisation, or None (anonymous visitors included)."""
    if not _signed_in(user):
        return None
    return Membership.objects.filter(organization_id=organization_id, user=user).first()


def is_member(user, organization_id) -> bool:
    return _signed_in(user) and (
        Membership.objects.filter(organization_id=organization_id, user=user).exists()
    )


def is_admin(user, organization_id) -> bool:
    return _signed_in(user) and (
        Membership.objects.filter(
            organization_id=organization_id, user=user, role=Membership.Role.ADMIN
        ).exists()
    )


def member_org_ids(user) -> frozenset:
    """The ids of every organisation the user belongs to, read once."""
    if not _signed_in(user):
        return frozenset()
    return frozenset(Membership.objects.filter(user=user).values_list("organization_id", flat=True))


def acts_for_public_body(organization: Organization, org_ids) -> bool:
    """A member (of `org_ids`, the user's organisations) of a verified public body acts for it.

    Publishing calls, opening programs, verifying and importing resources all need this.
    """
    return organization.can_act_as_public_body and organization.pk in org_ids


def speaks_for_funder(organization: Organization | None, org_ids) -> bool:
    """A member of a funder verified by the staff confirms or disputes the grants naming it.

    Anyone may register an organisation named like a foundation: only a verified one counts.
    """
    return (
        organization is not None
        and organization.kind == Organization.Kind.FUNDER
        and organization.is_verified
        and organization.pk in org_ids
    )


def check_acts_for_public_body(user, organization: Organization, *, not_member=None) -> None:
    """Refuse (403) whoever is not a member of `organization`, a verified public body."""
    org_ids = member_org_ids(user)
    if acts_for_public_body(organization, org_ids):
        return
    if organization.pk not in org_ids:
        raise PermissionDenied(
            not_member or _("You are not a member of %(name)s.") % {"name": organization.name}
        )
    raise PermissionDenied(_("Only a public body verified by the platform staff can do this."))


def check_member(user, organization: Organization) -> None:
    if not is_member(user, organization.pk):
        raise PermissionDenied(_("You are not a member of %(name)s.") % {"name": organization.name})


def public_bodies_acted_for(user):
    """The verified public bodies the user is a member of (the queryset form of the rule)."""
    if not _signed_in(user):
        return Organization.objects.none()
    return Organization.objects.acting_as_public_body().filter(memberships__user=user)


def funders_of(user):
    """The funders the user is a member of, verified or not (their queue lists the grants)."""
    if not _signed_in(user):
        return Organization.objects.none()
    return Organization.objects.filter(kind=Organization.Kind.FUNDER, memberships__user=user)
