import pytest

from . import factories


@pytest.fixture
def program(personas):
    """Alice's verified Comune di Lecco runs a 2016–2020 program."""
    return factories.lecco_program(personas)


@pytest.fixture
def educator_rate(db):
    return factories.educator_rate()
