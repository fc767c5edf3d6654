"""The open-data benchmark at its small size, so that it cannot rot.

It generates procedures at every stage in its own database, builds the OCDS bulk files in a
child process as the nightly job does, and downloads the large body's art. 27 list; the
counts it reports are checked against what the product's own functions read from the same
data. Timings and memory are not asserted (they are the benchmark's to measure).
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from trama.benchmarks import opendata as bench
from trama.benchmarks.database import ensure_database, using_database
from trama.opendata.ocds import packages
from trama.opendata.transparency import art27
from trama.organizations.models import Organization


@pytest.fixture(scope="module")
def bench_url(django_db_setup, django_db_blocker):
    """A benchmark database of this test run's own, a copy of the migrated test database."""
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    if url.scheme not in ("postgres", "postgresql"):
        pytest.skip("the open-data benchmark runs on PostgreSQL")
    test_database = connection.settings_dict["NAME"]
    url = urlunsplit(url._replace(path=f"/trama_bench_opendata_ci_{test_database}"))
    with django_db_blocker.unblock():
        connection.close()
        ensure_database(url, template=test_database)
    return url


def test_the_small_open_data_benchmark_builds_every_release_and_the_whole_list(
    bench_url, django_db_blocker, tmp_path
):
    output = tmp_path / "opendata-small.json"
    with django_db_blocker.unblock():
        results = bench.run(size="small", database_url=bench_url, output=output, log=lambda x: x)
        with using_database(bench_url):
            releases = sum(len(found) for _p, found in packages.releases_of(packages.published()))
            large = Organization.objects.get(slug=bench.LARGE_BODY_SLUG)
            listed = len(art27.rows(art27.parties(large, bench.ART27_YEAR)))

    counts = results["counts"]
    assert counts["procedures"] == bench.SIZES["small"].procedures
    assert counts["agreements"] > 0 and counts["payments"] > 0 and counts["reports_accepted"] > 0
    # Every release of every public procedure is in the bulk files, once.
    assert results["ocds_bulk"]["releases"] == releases > counts["procedures"]
    assert any(name.endswith(".zip") for name in results["ocds_bulk"]["files_mib"])
    assert results["ocds_bulk"]["peak_rss_mib"] > 0
    # The downloads carry the whole list: at least the rows generated for the large body.
    assert results["art27_rows"] == listed >= bench.SIZES["small"].art27_rows
    assert set(results["art27"]) == {"csv", "xlsx", "json", "page", "api (first page)"}
    assert output.exists()
