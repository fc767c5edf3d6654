"""Moving Program from `procedures` to `programs` keeps every row and every link.

The test walks the real migrations on the test database: it loads the demo, goes back to
the state before the move, records a program, a procedure and a ledger entry there with the
historical models (as a database upgraded from that version holds them), migrates forward
and reads everything through today's models.
"""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from trama.demo.load import load_demo
from trama.ledger.figures import Scope, compute_figures
from trama.ledger.models import LedgerEntry, Level
from trama.procedures.models import Procedure
from trama.programs.models import Program

LECCO = "welfare-comunitario-ambito-di-lecco"
# Before the move: Program still in `procedures`, the ledger's keys pointing at it there.
BEFORE = [("programs", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
@override_settings(DEMO_MODE=True)
def test_the_move_keeps_the_demo_and_rows_written_before_it():
    load_demo()
    demo = {p.pk: (p.slug, p.owner_id, p.title) for p in Program.objects.all()}
    lecco = Program.objects.get(slug=LECCO)
    entries = LedgerEntry.objects.filter(program=lecco).count()
    procedures = list(lecco.procedures.values_list("pk", flat=True))
    content_type = ContentType.objects.get_for_model(Program).pk

    try:
        executor = _migrate(BEFORE)
        old = executor.loader.project_state(
            [("procedures", "0004_coprogramming"), ("ledger", "0005_rollup_hot_updates")]
        ).apps
        OldProgram = old.get_model("procedures", "Program")
        assert OldProgram._meta.db_table == "procedures_program"
        with pytest.raises(LookupError):
            old.get_model("programs", "Program")
        assert OldProgram.objects.count() == len(demo)
        old_type = old.get_model("contenttypes", "ContentType").objects.get(pk=content_type)
        assert old_type.app_label == "procedures"

        owner = OldProgram.objects.get(slug=LECCO).owner
        program = OldProgram.objects.create(
            owner=owner, title="Abitare 2019", slug="abitare-2019", start_year=2019, end_year=2021
        )
        procedure = old.get_model("procedures", "Procedure").objects.create(
            program=program, owner=owner, title="Avviso abitare", origin="HISTORICAL"
        )
        recorder = old.get_model("accounts", "User").objects.order_by("pk").first()
        entry = old.get_model("ledger", "LedgerEntry").objects.create(
            program=program,
            procedure=procedure,
            kind="ACTUAL",
            category="ECONOMIC",
            source="PUBLIC_OWNER",
            contributor=owner,
            year=2019,
            amount=Decimal("1500.50"),
            recorded_by_id=recorder.pk,
        )
    finally:
        _migrate(_latest())
        ContentType.objects.clear_cache()

    # Written before the move, read through today's models, with every link in place.
    moved = Program.objects.get(slug="abitare-2019")
    assert moved.pk == program.pk and moved.owner_id == owner.pk
    assert list(moved.procedures.values_list("pk", flat=True)) == [procedure.pk]
    assert Procedure.objects.get(pk=procedure.pk).program == moved
    assert LedgerEntry.objects.get(pk=entry.pk).program == moved
    assert LedgerEntry.objects.get(pk=entry.pk).procedure_id == procedure.pk
    assert moved.get_absolute_url() == "/programmi/abitare-2019/"

    # The demo is untouched: the same programs, procedures, entries and figures.
    assert {
        p.pk: (p.slug, p.owner_id, p.title) for p in Program.objects.exclude(pk=moved.pk)
    } == demo
    lecco = Program.objects.get(slug=LECCO)
    assert list(lecco.procedures.values_list("pk", flat=True)) == procedures
    assert LedgerEntry.objects.filter(program=lecco).count() == entries
    figures = compute_figures(Scope(Level.PROGRAM, lecco.pk))
    assert figures.public == Decimal("41000000.00")
    assert figures.additional == Decimal("9000000.00")
    # Permissions granted on programs follow the model: the content type was renamed.
    assert ContentType.objects.get_for_model(Program).pk == content_type
    assert ContentType.objects.get_for_model(Program).app_label == "programs"
