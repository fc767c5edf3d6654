"""When a public page about calls changes by time alone: the next deadline of any call."""

from django.db.models import Min, Q
from django.utils import timezone

from .models import Meeting, Procedure


def next_public_moment(*_args, **_kwargs):
    """The next deadline, clarification deadline or meeting of a published call, or None."""
    now = timezone.now()
    found = Procedure.objects.public().aggregate(
        deadline=Min("deadline", filter=Q(deadline__gt=now)),
        clarification=Min("clarification_deadline", filter=Q(clarification_deadline__gt=now)),
    )
    found["meeting"] = Meeting.objects.filter(held_at__gt=now).aggregate(first=Min("held_at"))[
        "first"
    ]
    return min((moment for moment in found.values() if moment), default=None)
