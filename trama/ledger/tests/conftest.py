import datetime

import pytest

from trama.ledger.models import ReferenceRate
from trama.programs.services import create_program


@pytest.fixture
def program(personas):
    """Alice's verified Comune di Lecco runs a 2016–2020 program."""
    return create_program(
        by=personas.alice,
        owner=personas.comune,
        title="Welfare comunitario",
        start_year=2016,
        end_year=2020,
    )


@pytest.fixture
def educator_rate(db):
    return ReferenceRate.objects.create(
        name="Educatore professionale (CCNL cooperative sociali, D2)",
        unit="HOUR",
        value="22.50",
        valid_from=datetime.date(2016, 1, 1),
        source_note="Tabelle ministeriali costo del lavoro cooperative sociali",
    )
