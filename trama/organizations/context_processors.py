from django.core.cache import cache

from trama.lib.cache import versions as cache_versions

from .access import memberships_of
from .models import Membership, Organization

HEADER_SECONDS = 600


def _memberships(user) -> list[Membership]:
    """The user's memberships for the header, kept in the shared cache under the version of
    the organisations' scope: any write to a body or a membership renews it (a page always
    shows them as they are), and a page between two writes reads no row for them."""
    key = f"trama:header-memberships:{user.pk}:{cache_versions(('organizations',))}"
    rows = cache.get(key)
    if rows is None:
        rows = [
            (m.pk, m.organization_id, m.role, m.created_at, *_body(m.organization))
            for m in memberships_of(user)
        ]
        cache.set(key, rows, HEADER_SECONDS)
    return [
        Membership(
            pk=pk,
            organization=Organization(pk=org_id, name=name, slug=slug, kind=kind),
            user=user,
            role=role,
            created_at=created_at,
        )
        for pk, org_id, role, created_at, name, slug, kind in rows
    ]


def _body(organization) -> tuple:
    return organization.name, organization.slug, organization.kind


def active_organization(request):
    """The user's organisations for the header switch, and the one they act for."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = _memberships(user)
    active_id = request.session.get("active_org")
    active = next((m for m in memberships if m.organization_id == active_id), None)
    if active is None and memberships:
        active = memberships[0]
    return {
        "my_memberships": memberships,
        "active_membership": active,
        # The header links the funder's queue of grants to confirm for its members only.
        "in_a_funder": any(m.organization.kind == Organization.Kind.FUNDER for m in memberships),
    }
