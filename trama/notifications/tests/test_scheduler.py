"""The scheduler of `make run` enqueues the reminders; the database worker sends them, once."""

from pathlib import Path

import pytest
from crontask import scheduler
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from trama.notifications.models import Kind, Notification
from trama.procedures import services
from trama.procedures.models import Proposal
from trama.procedures.tests.conftest import rome

RUN_DEV = Path(__file__).resolve().parents[3] / "scripts" / "run-dev"


def scheduled_jobs() -> dict:
    """The jobs `manage.py crontask` schedules: it imports every app's tasks.py, as here."""
    from crontask.management.commands.crontask import Command

    Command().load_tasks({})
    return {job.name: job for job in scheduler.get_jobs()}


def run_worker():
    """`manage.py db_worker`, as make run starts it, until the queue is empty."""
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def test_make_run_starts_the_scheduler_beside_the_worker():
    script = RUN_DEV.read_text()
    assert "manage.py db_worker" in script and "manage.py crontask --no-heartbeat" in script
    jobs = scheduled_jobs()
    assert {"procedure_housekeeping", "send_daily_digest", "housekeeping"} <= set(jobs)
    # Reminders and closings every five minutes; the digest every morning at 7, Rome time.
    reminders = jobs["procedure_housekeeping"].trigger
    first = reminders.get_next_fire_time(None, rome(2026, 3, 29, 9, 1))
    assert first == rome(2026, 3, 29, 9, 5)
    digest = jobs["send_daily_digest"].trigger.get_next_fire_time(None, rome(2026, 3, 29, 9, 1))
    assert digest == rome(2026, 3, 30, 7, 0)


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_job_reminds_a_draft_once_through_the_database_worker(
    bodies, call, settings, time_machine
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    proposal = services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="Casa")
    time_machine.move_to(rome(2026, 3, 29, 9, 5), tick=False)
    job = scheduled_jobs()["procedure_housekeeping"]
    mail.outbox.clear()

    job.func(*job.args, **job.kwargs)  # what the scheduler runs at 9:05
    assert DBTaskResult.objects.filter(task_path__endswith="procedure_housekeeping").exists()
    assert mail.outbox == []  # nothing is sent until a worker runs the job
    run_worker()

    [message] = mail.outbox
    assert message.to == ["tom@trama.test"]
    assert "Co-progettazione servizi per l'abitare" in message.subject
    assert Notification.objects.filter(recipient=bodies.tom, kind=Kind.DEADLINE_NEAR).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).reminded_at is not None
    assert DBTaskResult.objects.exclude(status="SUCCESSFUL").count() == 0

    # Five minutes later the job runs again: the reminder is not sent twice.
    time_machine.move_to(rome(2026, 3, 29, 9, 10), tick=False)
    job.func(*job.args, **job.kwargs)
    run_worker()
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(kind=Kind.DEADLINE_NEAR).count() == 1
