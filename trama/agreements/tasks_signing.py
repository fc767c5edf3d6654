"""Scheduled jobs of the agreement itself: its start, and reminders to sign (crontask)."""

from crontask import cron
from django.tasks import task

from .services import signing


@cron("15 0 * * *")
@task
def agreements_start() -> dict:
    """Start the agreements whose start date has come (AGREED → IN_PROGRESS); idempotent."""
    return {"started": signing.start_due_agreements()}


@cron("0 9 * * *")
@task
def agreements_signature_reminders() -> dict:
    """Remind the parties that have not signed the latest version (once a day at most)."""
    return {"reminded": signing.remind_signatures()}
