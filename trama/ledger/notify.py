"""Who hears of the ledger's events: the funder a grant names, the officers who verify,
the contributor whose entry is rejected or disputed."""

from django.urls import reverse

from trama.notifications.models import Kind
from trama.notifications.services import notify
from trama.organizations.models import Membership


def _members(organization_id, *, admins_only=False):
    memberships = Membership.objects.filter(
        organization_id=organization_id, user__is_active=True, user__deleted_at__isnull=True
    ).select_related("user")
    if admins_only:
        memberships = memberships.filter(role=Membership.Role.ADMIN)
    return [m.user for m in memberships]


def entry_path(entry, program) -> str:
    return reverse("ledger:entry", args=[program.slug, entry.pk])


def tell_grant_named(entry, program) -> None:
    """The funder's administrators are asked to confirm a grant that names it."""
    notify(
        _members(entry.funder_id, admins_only=True),
        Kind.GRANT_NAMED,
        template="ledger/email/grant_named",
        context={"entry": entry, "program": program},
        path=entry_path(entry, program),
        by=entry.recorded_by,
    )


def tell_grants_imported(funder, count: int, program, by) -> None:
    """One notice per funder for the grants of an imported batch that name it."""
    notify(
        _members(funder.pk, admins_only=True),
        Kind.GRANT_NAMED,
        template="ledger/email/grants_imported",
        context={"funder": funder, "count": count, "program": program},
        path=reverse("ledger:funder_queue"),
        by=by,
    )


def tell_actual_to_verify(entry, program) -> None:
    """The members of the owning public body verify the actuals others declare."""
    notify(
        _members(program.owner_id),
        Kind.ACTUAL_TO_VERIFY,
        template="ledger/email/actual_to_verify",
        context={"entry": entry, "program": program},
        path=entry_path(entry, program),
        by=entry.recorded_by,
    )


def _contributor_side(entry):
    return [*_members(entry.contributor_id, admins_only=True), entry.recorded_by]


def tell_rejected(entry, program, verification) -> None:
    notify(
        _contributor_side(entry),
        Kind.ENTRY_REJECTED,
        template="ledger/email/entry_rejected",
        context={"entry": entry, "program": program, "verification": verification},
        path=entry_path(entry, program),
        by=verification.by,
    )


def tell_disputed(entry, program, confirmation) -> None:
    notify(
        _contributor_side(entry),
        Kind.GRANT_DISPUTED,
        template="ledger/email/grant_disputed",
        context={"entry": entry, "program": program, "confirmation": confirmation},
        path=entry_path(entry, program),
        by=confirmation.by,
    )
