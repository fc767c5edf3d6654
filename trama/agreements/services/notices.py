"""Who is told of the acts of co-production: the RUP, the parties' members."""

from trama.notifications.services import notify
from trama.organizations.models import Membership

from ..models import Agreement


def notify_rup(procedure, kind, *, template: str, context: dict, path: str, by=None):
    """The procedure's RUP (or, without one, every officer of the owning body)."""
    if procedure.rup_id:
        users = [procedure.rup]
    else:
        users = [
            m.user
            for m in Membership.objects.filter(organization_id=procedure.owner_id).select_related(
                "user"
            )
        ]
    return notify(users, kind, template=template, context=context, path=path, by=by)


def notify_parties(
    agreement: Agreement, kind, *, template: str, context: dict, path: str, by=None, only=None
):
    """The members of the agreement's Third-Sector parties (those `only` keeps)."""
    parties = [
        p
        for p in agreement.parties.filter(active=True).exclude(role="PUBLIC_BODY")
        if only is None or only(p)
    ]
    users = {
        m.user_id: m.user
        for m in Membership.objects.filter(
            organization_id__in=[p.organization_id for p in parties],
            user__is_active=True,
            user__deleted_at__isnull=True,
        ).select_related("user")
    }
    return notify(list(users.values()), kind, template=template, context=context, path=path, by=by)


def notify_body(organization_id, kind, *, template: str, context: dict, path: str, by=None):
    """Every member of one body (the payee of a payment)."""
    users = [
        m.user
        for m in Membership.objects.filter(
            organization_id=organization_id, user__is_active=True, user__deleted_at__isnull=True
        ).select_related("user")
    ]
    return notify(users, kind, template=template, context=context, path=path, by=by)
