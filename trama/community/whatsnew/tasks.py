"""The weekly digest of what is new, enqueued by django-crontask (see notifications/tasks)."""

from crontask import cron
from django.tasks import task

from . import services


@cron("0 8 * * Mon")
@task
def send_weekly_digests() -> int:
    """Every Monday at 8, one e-mail per member who asked for the weekly digest."""
    return services.send_weekly_digests()
