"""Where an entry counts in the figures — its measure — written once, for Python and for SQL.

An entry's state is its latest events: the owning body's verification (actuals) and the
funder's confirmation (grants). A reversal has no events of its own: it takes those of the
entry it cancels, and so counts (negatively) wherever that entry counts. The measure follows
from the kind and those events, by the first line of ``RULE`` that matches:

    pledge                                      → pledged
    actual accepted, a grant its funder disputes → disputed
    actual accepted                             → accepted
    actual rejected                             → rejected
    anything else (pending, no decision yet)    → pending

``RULE`` is the only statement of it: ``measure_for`` reads it in Python (services,
roll-ups), ``measure_expression`` turns it into a ``Case`` for querysets (pages, API,
exports, rebuild), and ``measure_sql`` into a SQL ``CASE`` for set-based writers (the
benchmark's roll-up build).
"""

from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from .models import FunderConfirmation, Kind, Measure, Source, Verification

# The facts a measure depends on, and the names of their annotations on a queryset.
KIND, SOURCE, VERIFICATION, CONFIRMATION = "kind", "source", "verification", "confirmation"
ANNOTATIONS = {
    KIND: "kind",
    SOURCE: "source",
    VERIFICATION: "verification_status",
    CONFIRMATION: "confirmation_status",
}

# (conditions, measure): the first line whose conditions all hold decides; else DEFAULT.
RULE = (
    ({KIND: Kind.PLEDGE}, Measure.PLEDGED),
    (
        {
            VERIFICATION: Verification.Status.ACCEPTED,
            SOURCE: Source.FOUNDATION_GRANT,
            CONFIRMATION: FunderConfirmation.Status.DISPUTED,
        },
        Measure.DISPUTED,
    ),
    ({VERIFICATION: Verification.Status.ACCEPTED}, Measure.ACCEPTED),
    ({VERIFICATION: Verification.Status.REJECTED}, Measure.REJECTED),
)
DEFAULT = Measure.PENDING

# The realisation rate (DESIGN.md) compares the additional resources of these two measures,
# over the same scope and years: what was accepted as brought over what was pledged. Every
# accepted actual counts, whether or not a pledge of the same source, category or year
# matches it, so the rate exceeds 100 % when partners bring more than they pledged.
REALISATION = (Measure.ACCEPTED, Measure.PLEDGED)


def measure_for(kind: str, source: str, verification: str | None, confirmation: str | None):
    """Where an entry with this kind, source and latest events counts."""
    facts = {KIND: kind, SOURCE: source, VERIFICATION: verification, CONFIRMATION: confirmation}
    for conditions, measure in RULE:
        if all(facts[name] == value for name, value in conditions.items()):
            return measure
    return DEFAULT


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


# --- querysets --------------------------------------------------------------------------


def with_events(queryset: QuerySet) -> QuerySet:
    """Entries annotated with their latest verification and funder confirmation status.

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


def measure_expression() -> Case:
    """``RULE`` as a ``Case`` over the annotations of ``with_events``."""
    return Case(
        *(
            When(
                Q(**{ANNOTATIONS[name]: value for name, value in conditions.items()}),
                then=Value(str(measure)),
            )
            for conditions, measure in RULE
        ),
        default=Value(str(DEFAULT)),
    )


def with_measure(queryset: QuerySet) -> QuerySet:
    """Entries annotated with `measure` (and the events it comes from), to show or filter."""
    return with_events(queryset).annotate(measure=measure_expression())


def in_measure(queryset: QuerySet, measure: str) -> QuerySet:
    """The entries (annotated by ``with_measure``) that count in `measure`."""
    return queryset.filter(measure=Measure(measure.upper()))


# --- SQL ----------------------------------------------------------------------------------


def measure_sql(
    *,
    kind: str = "e.kind",
    source: str = "e.source",
    verification: str = "v.status",
    confirmation: str = "c.status",
) -> str:
    """``RULE`` as a SQL ``CASE`` over the given column expressions (trusted SQL, not input).

    The columns must hold the ORIGINAL entry's kind, source and latest events (for a
    reversal, those of the entry it cancels).
    """
    columns = {KIND: kind, SOURCE: source, VERIFICATION: verification, CONFIRMATION: confirmation}
    lines = [
        "WHEN "
        + " AND ".join(f"{columns[name]} = '{value}'" for name, value in conditions.items())
        + f" THEN '{measure}'"
        for conditions, measure in RULE
    ]
    return "CASE " + " ".join(lines) + f" ELSE '{DEFAULT}' END"
