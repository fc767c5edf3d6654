import pytest

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
