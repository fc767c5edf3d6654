"""An entry's state is its latest event; this module reads it and maps it to a measure."""

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import FunderConfirmation, Kind, Measure, Source, Verification


def measure_for(kind: str, source: str, verification: str | None, confirmation: str | None):
    """Where an entry counts: pledges apart; actuals by verification, disputed grants apart."""
    if kind == Kind.PLEDGE:
        return Measure.PLEDGED
    if verification == Verification.Status.ACCEPTED:
        if source == Source.FOUNDATION_GRANT and confirmation == FunderConfirmation.Status.DISPUTED:
            return Measure.DISPUTED
        return Measure.ACCEPTED
    if verification == Verification.Status.REJECTED:
        return Measure.REJECTED
    return Measure.PENDING


def latest_verification(entry_id: int) -> str | None:
    return (
        Verification.objects.filter(entry_id=entry_id)
        .order_by("-pk")
        .values_list("status", flat=True)
        .first()
    )


def latest_confirmation(entry_id: int) -> str | None:
    return (
        FunderConfirmation.objects.filter(entry_id=entry_id)
        .order_by("-pk")
        .values_list("status", flat=True)
        .first()
    )


def current_measure(entry) -> str:
    """The measure of an entry now; a reversal counts wherever the entry it cancels counts."""
    original = entry.reverses if entry.reverses_id else entry
    return measure_for(
        original.kind,
        original.source,
        latest_verification(original.pk) if original.kind == Kind.ACTUAL else None,
        latest_confirmation(original.pk) if original.source == Source.FOUNDATION_GRANT else None,
    )


def with_state(queryset):
    """Annotate entries with their latest verification and funder confirmation.

    A reversal has no events of its own: it takes those of the entry it cancels.
    """
    return queryset.annotate(
        state_entry_id=Coalesce("reverses_id", "id"),
        verification_status=Subquery(
            Verification.objects.filter(entry=OuterRef("state_entry_id"))
            .order_by("-pk")
            .values("status")[:1]
        ),
        confirmation_status=Subquery(
            FunderConfirmation.objects.filter(entry=OuterRef("state_entry_id"))
            .order_by("-pk")
            .values("status")[:1]
        ),
    )
