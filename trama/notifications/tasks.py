"""Scheduled jobs of the notifications, and the scheduler's housekeeping.

`manage.py crontask --no-heartbeat` (django-crontask) imports every app's tasks.py and
enqueues each job at its time (Europe/Rome); the task workers run them.
"""

from crontask import cron
from django.conf import settings
from django.core.management import call_command
from django.tasks import task

from . import services

# Results of finished background tasks are kept this long, then removed.
TASK_RESULTS_KEPT_DAYS = 14


@cron("0 7 * * *")
@task
def send_daily_digest() -> int:
    """Every morning, one e-mail per person who chose the digest (never a row twice)."""
    return services.send_digests()


@cron("30 3 * * *")
@task
def housekeeping() -> dict:
    """Forget notifications read long ago and the results of old background tasks."""
    pruned = services.prune_notifications()
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        call_command(
            "prune_db_task_results",
            min_age_days=TASK_RESULTS_KEPT_DAYS,
            failed_min_age_days=TASK_RESULTS_KEPT_DAYS * 2,
            verbosity=0,
        )
    return {"notifications": pruned}
