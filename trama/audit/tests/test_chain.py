import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from trama.audit.models import AuditEvent
from trama.audit.services import record_event, verify_chain
from trama.lib.append_only import AppendOnlyError


@pytest.mark.django_db
def test_it_links_each_event_to_the_previous_one():
    first = record_event("organization:1", "a")
    second = record_event("organization:1", "b", data={"k": "v"})
    other = record_event("organization:2", "c")
    assert (first.seq, second.seq, other.seq) == (1, 2, 1)
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert other.prev_hash == "0" * 64
    assert verify_chain("organization:1").ok and verify_chain("organization:1").events == 2


@pytest.mark.django_db
def test_it_refuses_changes_through_the_orm():
    event = record_event("organization:1", "a")
    event.action = "b"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="b")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_the_database_refuses_changes_from_raw_sql():
    event = record_event("organization:1", "a")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def _tamper(sql, params):
    """Someone with direct database access and the power to disable the trigger."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # triggers off
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.django_db
def test_the_command_detects_an_altered_event(capsys):
    record_event("organization:1", "a")
    second = record_event("organization:1", "b", data={"amount": "10"})
    record_event("organization:1", "c")
    call_command("verify_audit", "organization:1")
    assert "OK" in capsys.readouterr().out
    _tamper('UPDATE audit_auditevent SET data = \'{"amount": "99"}\' WHERE id = %s', [second.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit", "organization:1")
    assert "event #2 was altered" in capsys.readouterr().out


@pytest.mark.django_db
def test_it_detects_a_removed_event_and_a_truncated_chain():
    events = [record_event("organization:1", str(i)) for i in range(4)]
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    report = verify_chain("organization:1")
    assert not report.ok and "missing" in report.problem
    _tamper("DELETE FROM audit_auditevent WHERE seq >= 2", [])
    report = verify_chain("organization:1")
    assert not report.ok and "truncated" in report.problem


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_linear_chain():
    workers, per_worker = 8, 10
    barrier = threading.Barrier(workers)
    errors = []

    def append(n):
        try:
            barrier.wait()
            for i in range(per_worker):
                record_event("organization:42", "concurrent", data={"worker": n, "i": i})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(AuditEvent.objects.for_chain("organization:42").values_list("seq", flat=True))
    assert seqs == list(range(1, workers * per_worker + 1))
    assert verify_chain("organization:42").ok
