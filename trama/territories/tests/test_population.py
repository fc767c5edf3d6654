"""Resident population from ISTAT's CSV, as ISTAT publishes it."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from trama.territories.models import Municipality
from trama.territories.services import load_territories, read_population

SAMPLE = Path(__file__).parent / "data-population-sample.csv"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def municipalities():
    """ISTAT's list, as loaded for the session (a transactional test may have emptied it)."""
    if not Municipality.objects.exists():
        load_territories()


def test_it_reads_the_total_of_every_municipality_from_the_table_by_age():
    year, population = read_population(SAMPLE)
    assert year == 2024
    # The row of age 999 (all ages): males plus females.
    assert population["097042"] == 23154 + 24864
    assert population["001272"] == 409115 + 445748
    assert len(population) == 6


def test_the_command_loads_it_into_the_territories_and_names_what_it_could_not(tmp_path):
    out = StringIO()
    call_command("load_population", str(SAMPLE), stdout=out)
    lecco = Municipality.objects.get(istat_code="097042")
    assert (lecco.population, lecco.population_year) == (48018, 2024)
    assert "5 municipalities updated" in out.getvalue()
    # A code that is no longer a municipality is named, not silently dropped.
    assert "999999" in out.getvalue()
    # A file that is not ISTAT's table is refused with the reason, and nothing changes.
    other = tmp_path / "other.csv"
    other.write_text("nome;abitanti\nLecco;48000\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Codice comune"):
        call_command("load_population", str(other))
    with pytest.raises(CommandError, match="No file"):
        call_command("load_population", str(tmp_path / "missing.csv"))
    assert Municipality.objects.get(istat_code="097042").population == 48018
