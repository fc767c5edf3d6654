"""Reading form values that may be anything: a bad value is None, never an exception."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def as_id(value) -> int | None:
    value = (value or "").strip() if isinstance(value, str) else value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def as_datetime(value):
    """An aware datetime from a datetime-local field (Europe/Rome when naive), or None."""
    try:
        parsed = parse_datetime((value or "").strip())
    except ValueError:  # a well-formed but impossible date, such as 30 February
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
