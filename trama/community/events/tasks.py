"""Scheduled job of community events (django-crontask enqueues it; the workers run it)."""

from crontask import cron
from django.tasks import task

from . import services


@cron("0 9 * * *")
@task
def send_event_reminders() -> int:
    """Every morning, remind the registered of tomorrow's sessions (never twice)."""
    return services.send_reminders()
