"""Scheduled jobs of co-production (django-crontask enqueues them; the workers run them).

crontask loads each installed app's `tasks` module only: `agreements/tasks.py` imports this
one so that the scheduler finds its jobs.
"""

from crontask import cron
from django.tasks import task

from .services.reminders import send_report_reminders


@cron("15 7 * * *")
@task
def report_reminders() -> dict:
    """Remind the parties of reports due soon and of overdue ones (once per stage)."""
    return {"reminded": send_report_reminders()}
