"""Ledger test data as plain functions, shared by the ledger's and the API's fixtures."""

import datetime

from trama.ledger.models import ReferenceRate
from trama.programs.services import create_program


def lecco_program(personas):
    """Alice's verified Comune di Lecco runs a 2016–2020 program."""
    return create_program(
        by=personas.alice,
        owner=personas.comune,
        title="Welfare comunitario",
        start_year=2016,
        end_year=2020,
    )


def educator_rate():
    """The hourly reference rate of a professional educator: 22.50 € from 2016."""
    return ReferenceRate.objects.create(
        name="Educatore professionale (CCNL cooperative sociali, D2)",
        unit="HOUR",
        value="22.50",
        valid_from=datetime.date(2016, 1, 1),
        source_note="Tabelle ministeriali costo del lavoro cooperative sociali",
    )
