"""The ledger's guarantees: append-only at every level, one verification wins, roll-ups
equal a rebuild from raw entries whatever happens."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trama.ledger import services
from trama.ledger.models import LedgerEntry, Verification
from trama.ledger.rebuild import check_rollups, rebuild_rollups
from trama.lib.append_only import AppendOnlyError


def _actual(personas, program, amount="10.00", **extra):
    return services.record_entry(
        by=personas.tom,
        program=program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="OWN_RESOURCES",
        contributor=personas.coop,
        year=2017,
        amount=amount,
        **extra,
    )


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_removed(personas, program):
    entry = _actual(personas, program)
    entry.amount = Decimal("99.00")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(AppendOnlyError):
        Verification.objects.all().delete()
    for sql in (
        "UPDATE ledger_ledgerentry SET amount = 1 WHERE id = %s",
        "DELETE FROM ledger_verification WHERE entry_id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])


@pytest.mark.django_db
def test_the_admin_shows_the_ledger_but_changes_nothing(personas, program, client):
    entry = _actual(personas, program)
    personas.sam.is_superuser = True
    personas.sam.save()
    client.force_login(personas.sam)
    assert client.get(f"/admin/ledger/ledgerentry/{entry.pk}/change/").status_code == 200
    response = client.post(f"/admin/ledger/ledgerentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_officers_verifying_at_once_one_wins_the_other_is_told(personas, program):
    entry = _actual(personas, program)
    barrier = threading.Barrier(2)
    outcomes = []

    def verify(user, accept):
        try:
            barrier.wait()
            services.verify_entry(entry, by=user, accept=accept, reason="" if accept else "No")
            outcomes.append("won")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=verify, args=(personas.alice, True)),
        threading.Thread(target=verify, args=(personas.eve, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_verified", "won"]
    decisions = Verification.objects.filter(entry=entry).exclude(status="PENDING")
    assert decisions.count() == 1
    assert check_rollups().ok


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "pledge",
                "actual",
                "grant",
                "public",
                "verify",
                "reject",
                "reverse",
                "confirm",
                "dispute",
            ]
        ),
        st.integers(min_value=1, max_value=99_999),
        st.integers(min_value=2016, max_value=2020),
        st.integers(min_value=0, max_value=50),
    ),
    min_size=1,
    max_size=25,
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_rollups_equal_a_rebuild_after_any_sequence_of_operations(personas, program, operations):
    rebuild_rollups()  # each example starts from the state the previous one left
    entries = []
    for op, cents, year, pick in operations:
        amount = Decimal(cents) / 100
        target = entries[pick % len(entries)] if entries else None
        try:
            if op in ("pledge", "actual"):
                entries.append(
                    services.record_entry(
                        by=personas.tom,
                        program=program,
                        kind=op.upper(),
                        category="ECONOMIC",
                        source="OWN_RESOURCES",
                        contributor=personas.coop,
                        year=year,
                        amount=amount,
                    )
                )
            elif op == "grant":
                entries.append(
                    services.record_entry(
                        by=personas.tom,
                        program=program,
                        kind="ACTUAL",
                        category="PROJECT",
                        source="FOUNDATION_GRANT",
                        contributor=personas.consortium,
                        year=year,
                        amount=amount,
                        funder=personas.foundation,
                    )
                )
            elif op == "public":
                entries.append(
                    services.record_entry(
                        by=personas.alice,
                        program=program,
                        kind="ACTUAL",
                        category="ECONOMIC",
                        source="PUBLIC_OWNER",
                        contributor=personas.comune,
                        year=year,
                        amount=amount,
                    )
                )
            elif target is None:
                continue
            elif op in ("verify", "reject"):
                services.verify_entry(target, by=personas.alice, accept=op == "verify", reason="x")
            elif op == "reverse":
                services.reverse_entry(target, by=personas.alice, reason="correzione")
            else:
                services.confirm_grant(
                    target, by=personas.fiona, confirmed=op == "confirm", reason="y"
                )
        except ValidationError:
            pass  # refused acts change nothing, which the check below also proves
    report = check_rollups()
    assert report.ok, report.differences[:5]
