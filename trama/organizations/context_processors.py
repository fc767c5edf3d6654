from .access import memberships_of
from .models import Organization


def active_organization(request):
    """The user's organisations for the header switch, and the one they act for."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(memberships_of(user))
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
