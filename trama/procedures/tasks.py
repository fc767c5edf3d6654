"""Scheduled jobs of the procedures (django-crontask enqueues them; the workers run them)."""

from crontask import cron
from django.tasks import task

from . import services


@cron("*/5 * * * *")
@task
def procedure_housekeeping() -> dict:
    """Close the calls whose deadline has passed and remind drafts of a near deadline.

    Idempotent: a closed call is not closed again, and a draft is reminded once
    (Proposal.reminded_at is claimed before the notification is written).
    """
    return {
        "closed": services.close_due_procedures(),
        "reminded": services.send_deadline_reminders(),
    }
