"""Webhook deliveries, run by the task workers.

Each delivery is tried once as soon as its act commits; a failed one waits (sending.BACKOFF)
and the sweep, every minute, tries again what has come due. The sweep works with every task
backend, including those that can't defer a task to a later time.
"""

from crontask import cron
from django.tasks import task

from . import sending


@task
def deliver(delivery_id: int) -> str | None:
    """Try one delivery now."""
    return sending.attempt_delivery(delivery_id)


@cron("* * * * *")
@task
def sweep() -> int:
    """Try again the deliveries whose next attempt has come."""
    return sending.deliver_due()
