"""The ledger benchmark at its small size, so that it cannot rot.

It runs every step (generation, figures, writes, concurrent writers, imports) in its own
database; the benchmark compares the roll-ups it generated with set-based SQL with
`rebuild.check_rollups()` (the ORM rebuild from raw entries) right after generating, and
again after the measured writes, imports included. Timings are not asserted.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from trama.benchmarks import ledger as bench
from trama.benchmarks.database import using_database
from trama.ledger.figures import Scope, compute_figures
from trama.ledger.models import LedgerEntry
from trama.organizations.models import ShareAct


def _ci_database_url() -> str:
    """The test server's URL with a benchmark database of this test run's own.

    Named after the test database, so that two checkouts testing on one server at once don't
    empty each other's benchmark data.
    """
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return urlunsplit(url._replace(path=f"/trama_bench_ci_{connection.settings_dict['NAME']}"))


def test_the_small_benchmark_matches_a_rebuild_from_raw_entries(django_db_blocker, tmp_path):
    url = _ci_database_url()
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the ledger benchmark runs on PostgreSQL")
    output = tmp_path / "ledger-small.json"
    with django_db_blocker.unblock():
        results = bench.run(size="small", database_url=url, output=output, log=lambda line: None)
        with using_database(url):
            country = compute_figures(Scope.country())
            entries = LedgerEntry.objects.count()
            constitutions = [
                sorted(h.share for h in act.holdings.all())
                for act in ShareAct.objects.filter(kind=ShareAct.Kind.CONSTITUTION)
            ]

    checks = results["checks"]
    assert checks["rollups_match_rebuild"], checks["differences"]
    assert checks["rollups_match_rebuild_after_writes"]
    assert checks["tax_codes_failing_stdnum"] == 0
    assert country.has_data and country.public > 0 and country.additional > 0
    assert country.leverage is not None
    counts = results["counts"]
    assert counts["ledger_entries"] == bench.SIZES["small"].entries
    assert counts["reversals"] > 0 and counts["funder_confirmations"] > 0
    # The institutions generated are Third-Sector entities of their own (social enterprises).
    institutions = counts["institutional_partnerships"]
    assert counts["organisations_by_kind"] == {
        "FUNDER": 10,
        "PUBLIC_BODY": 50,
        "THIRD_SECTOR": 500 + institutions,
    }
    # Every measurement ran and wrote through the services.
    assert set(results["figures"]) >= {"procedure", "program", "region", "country"}
    assert all(row["n"] == bench.SIZES["small"].samples for row in results["figures"].values())
    # The agreement scope: agreements generated for the platform's co-design procedures,
    # with parties, and their figures measured through agreements.figures.
    assert counts["agreements"] > 0 and counts["agreement_parties"] > counts["agreements"]
    assert set(results["agreements"]) == {"agreement dashboard", "agreement public page"}
    assert all(row["n"] == bench.SIZES["small"].samples for row in results["agreements"].values())
    assert all(row["scopes_with_data"] > 0 for row in results["agreements"].values())
    # Partnerships: one contractual per program with a signed agreement, a few grown into
    # institutions whose constitution gives 3 to 8 members shares summing to 100 %.
    assert counts["contractual_partnerships"] > 0 and counts["call_participants"] > 0
    assert institutions > 0 and len(constitutions) == institutions
    assert all(3 <= len(shares) <= 8 and sum(shares) == 100 for shares in constitutions)
    # Territory timelines and comparisons, read from the roll-ups (never the raw entries).
    assert set(results["territories"]) >= {
        "territory timeline region",
        "territory comparison 6 regions",
    }
    assert all(row["n"] == bench.SIZES["small"].samples for row in results["territories"].values())
    assert not any(row["reads_raw_entries"] for row in results["territories"].values())
    assert all(row["largest"] > 0 for row in results["territories"].values())
    assert results["write"]["n"] == bench.SIZES["small"].writes
    for key in ("single_writer", "same_program", "same_region", "different_regions"):
        assert results["locks"][key]["writes"] > 0 and not results["locks"][key]["errors"]
    for fmt in ("csv", "xlsx"):
        assert results["imports"][fmt]["ok"], results["imports"][fmt]["errors"]
        assert results["imports"][fmt]["imported"] == bench.SIZES["small"].import_rows
    assert entries > counts["ledger_entries"]
    assert output.exists()


def test_it_refuses_a_database_it_does_not_own():
    with pytest.raises(ValueError, match="trama_bench"):
        bench.run(size="small", database_url="postgres://postgres@127.0.0.1:5432/postgres")
