"""The search benchmark at its small size, so that it cannot rot.

It generates the data in its own database, measures every persona through the search page's
function and checks visibility on what it generated: held and hidden posts are found by
nobody, discussions and members-only profiles by members only. Timings are not asserted.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from trama.benchmarks import search as bench
from trama.benchmarks.database import ensure_database, using_database
from trama.benchmarks.search_generation import HELD_MARKER, load_words
from trama.community.discussions.models import Post, State
from trama.community.search import index


@pytest.fixture(scope="module")
def bench_url(django_db_setup, django_db_blocker):
    """A benchmark database of this test run's own (named after its test database, so that
    two checkouts testing on one server don't empty each other's), made when missing as a
    copy of the migrated test database: far quicker than migrating an empty one."""
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    if url.scheme not in ("postgres", "postgresql"):
        pytest.skip("the search benchmark runs on PostgreSQL")
    test_database = connection.settings_dict["NAME"]
    url = urlunsplit(url._replace(path=f"/trama_bench_search_ci_{test_database}"))
    with django_db_blocker.unblock():
        connection.close()
        ensure_database(url, template=test_database)
    return url


def test_the_small_search_benchmark_runs_and_shows_each_persona_only_what_it_may_see(
    bench_url, django_db_blocker, tmp_path
):
    output = tmp_path / "search-small.json"
    with django_db_blocker.unblock():
        results = bench.run(size="small", database_url=bench_url, output=output, log=lambda x: x)
        with using_database(bench_url):
            # A word of a held reply, found by nobody although its thread is published.
            held = Post.objects.filter(state=State.HELD, thread__state=State.PUBLISHED).first()
            word = next(w for w in held.source.split() if w.isalpha() and len(w) > 6)
            people = {**bench.personas(), "anonymous": AnonymousUser()}
            found = {p: index.search(word, user) for p, user in people.items()}
            marker = index.search(HELD_MARKER, people["member"])

    assert results["checks_pass"], results["checks"]
    counts = results["counts"]
    assert counts["threads_held_or_hidden"] > 0 and counts["posts_held_or_hidden"] > 0
    assert counts["search_documents_by_kind"]["thread"] == (
        counts["threads"] - counts["threads_held_or_hidden"]
    )
    assert marker.total == 0
    # Anonymous visitors and accounts outside the community never get a discussion.
    for persona in ("anonymous", "non-member"):
        assert "thread" not in found[persona].counts
        assert all(f.kind != "thread" for f in found[persona].found)
    for persona in bench.PERSONAS:
        assert results["timings"][persona]["n"] == bench.SIZES["small"].queries
    assert results["explain"] and results["explain"][0]["statements"]
    assert output.exists()


@pytest.mark.django_db
def test_the_word_list_has_the_communitys_words_accents_and_stop_words():
    words, weights = load_words()
    assert len(words) > 4000 and len(set(words)) == len(words) and min(weights) > 0
    assert {"cooperativa", "cooperative", "coprogettazione", "volontariato", "ambito"} <= set(words)
    stop, accented = bench._classify(words)
    assert {"attività", "è", "più"} <= accented
    assert {"di", "che", "il"} <= stop and len(stop) < 300


def test_it_refuses_a_database_it_does_not_own():
    with pytest.raises(ValueError, match="trama_bench"):
        bench.run(size="small", database_url="postgres://postgres@127.0.0.1:5432/postgres")
