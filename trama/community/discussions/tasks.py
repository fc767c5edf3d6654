"""The daily digest of the discussions, enqueued by django-crontask (see notifications/tasks)."""

from crontask import cron
from django.tasks import task

from . import services


@cron("15 7 * * *")
@task
def send_discussion_digests() -> int:
    """Every morning, one e-mail per person who follows discussions in a daily digest."""
    return services.send_digests()
