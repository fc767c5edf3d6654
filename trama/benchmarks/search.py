"""The search benchmark: a community's worth of generated Italian, then searches timed per
persona through the function the search page calls.

`manage.py bench_search --size small|full` (or `make bench-search` / `make bench-search-small`)

1. creates a dedicated PostgreSQL database (default `trama_bench_search`) if missing, migrates
   it, empties it and fills it (`search_generation.py`): threads and replies with some held or
   hidden by moderation, practice sheets (some drafts), library documents, events (some
   cancelled), public calls, members (some profiles members-only); the search index is
   written by `search.index.rebuild()`;
2. draws queries as people type them — one to three words of the word list (common and rare
   ones), words with accents typed with and without them, stop words only, websearch
   operators (a quoted phrase, `-word`, `or`), now and then a type filter or a later page;
3. times `search.index.search` (what the page calls: counts by type, the ranked page, its
   snippets) for each query and each persona: an anonymous visitor, a signed-in account
   that is not a member of the community, a member (who also finds the discussions);
4. checks visibility on the generated data: held and hidden posts, members-only profiles
   and discussions are never returned to whoever may not see them;
5. prints a table and writes `benchmarks/search-<size>.json`, with EXPLAIN ANALYZE of the
   slowest searches' statements.

`--reuse` keeps the data generated earlier at the same size and only measures.
"""

import json
import math
import os
import random
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from trama.benchmarks import database
from trama.benchmarks.database import environment
from trama.benchmarks.search_generation import (
    HELD_MARKER,
    MEMBERS_ONLY_MARKER,
    PERSONA_EMAILS,
    SIZES,
    counts,
    generate,
    generated,
    load_words,
)
from trama.community.search import index
from trama.community.search.providers import PROVIDERS

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/trama_bench_search"
TARGET_P95_MS = 100.0
PER_PAGE = 20  # the page's (search/views.py)
PERSONAS = ("anonymous", "non-member", "member")


def summary(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[max(0, math.ceil(0.95 * len(ms)) - 1)], 1),
        "max_ms": round(ms[-1], 1),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


def _classify(words: list[str]) -> tuple[set[str], set[str]]:
    """The stop words of the Italian configuration, and the words with an accent."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w WHERE to_tsvector(%s::regconfig, w) = ''",
            [words, index.CONFIG],
        )
        stop = {w for (w,) in cursor.fetchall()}
    accented = {w for w in words if any(c in "àèéìíòóù" for c in w)}
    return stop, accented


def _strip_accents(word: str) -> str:
    return word.translate(str.maketrans("àèéìíòóù", "aeeiioou"))


def queries(rng: random.Random, n: int) -> list[dict]:
    """`n` searches as people type them, each with its type filter and page (if any)."""
    words, weights = load_words()
    stop, accented = _classify(words)
    content = [(w, f) for w, f in zip(words, weights, strict=True) if w not in stop]
    content_words = [w for w, _f in content]
    content_weights = [f for _w, f in content]
    accented = sorted(accented - stop)
    stop = sorted(stop)

    def word():
        # Half the time a word as frequent as it is in writing (many matches), half any word.
        if rng.random() < 0.5:
            return rng.choices(content_words, weights=content_weights)[0]
        return rng.choice(content_words)

    drawn = []
    for _ in range(n):
        r = rng.random()
        if r < 0.40:
            shape, text = "one word", word()
        elif r < 0.62:
            shape, text = "two words", f"{word()} {word()}"
        elif r < 0.72:
            shape, text = "three words", f"{word()} {word()} {word()}"
        elif r < 0.82:
            typed = rng.choice(accented)
            if rng.random() < 0.5:
                typed = _strip_accents(typed)
            shape, text = "accented word", typed if rng.random() < 0.6 else f"{typed} {word()}"
        elif r < 0.87:
            shape, text = "stop words only", " ".join(rng.sample(stop, rng.randint(1, 3)))
        elif r < 0.97:
            a, b = word(), word()
            shape, text = "operators", rng.choice([f'"{a} {b}"', f"{a} -{b}", f"{a} or {b}"])
        else:
            shape, text = "capitals", word().upper()
        kind = rng.choice(list(PROVIDERS)) if rng.random() < 0.15 else ""
        number = rng.choices([1, 2, 3], weights=[85, 10, 5])[0]
        drawn.append({"shape": shape, "text": text, "kind": kind, "page": number})
    return drawn


def personas() -> dict:
    User = get_user_model()
    return {
        "anonymous": AnonymousUser(),
        "non-member": User.objects.get(email=PERSONA_EMAILS["non-member"]),
        "member": User.objects.get(email=PERSONA_EMAILS["member"]),
    }


def explain(query: dict, user) -> list[dict]:
    """EXPLAIN ANALYZE of each statement a search runs, replayed in order in one transaction
    (so that its `SET LOCAL`s hold as they did)."""
    with CaptureQueriesContext(connection) as captured:
        index.search(query["text"], user, query["kind"], query["page"], PER_PAGE)
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in captured.captured_queries:
            sql = statement["sql"]
            if sql.upper().startswith("SET "):
                cursor.execute(sql)
            elif "search_searchdocument" in sql:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plans.append({"sql": sql, "plan": [row[0] for row in cursor.fetchall()]})
    return plans


def measure(drawn: list[dict], log) -> tuple[dict, dict, list]:
    """Time every query for every persona; check what each persona found."""
    people = personas()
    for query in drawn[:10]:  # warm-up, not counted
        for user in people.values():
            index.search(query["text"], user, query["kind"], query["page"], PER_PAGE)
    times = {p: [] for p in PERSONAS}
    by_shape = {}
    samples = []
    leaks = []
    member_found_threads = 0
    for i, query in enumerate(drawn):
        for persona in PERSONAS:
            user = people[persona]
            started = time.perf_counter()
            results = index.search(query["text"], user, query["kind"], query["page"], PER_PAGE)
            elapsed = time.perf_counter() - started
            times[persona].append(elapsed)
            by_shape.setdefault(query["shape"], []).append(elapsed)
            samples.append((elapsed, persona, i, results.total))
            if persona != "member" and (
                results.counts.get("thread") or any(f.kind == "thread" for f in results.found)
            ):
                leaks.append(f"{persona} found discussions for {query['text']!r}")
            if persona == "member" and results.counts.get("thread"):
                member_found_threads += 1
        if (i + 1) % 50 == 0:
            log(f"  {i + 1} of {len(drawn)} queries")
    checks = _visibility(people)
    checks["members_found_discussions_in_queries"] = member_found_threads
    checks["discussions_found_by_non_members"] = leaks[:10]
    results = {p: summary(t) for p, t in times.items()}
    results["overall"] = summary([t for ts in times.values() for t in ts])
    results["by_shape"] = {shape: summary(t) for shape, t in sorted(by_shape.items())}
    matches = sorted(total for _e, _p, _i, total in samples)
    results["matches_per_query"] = {
        "p50": matches[len(matches) // 2],
        "p95": matches[max(0, math.ceil(0.95 * len(matches)) - 1)],
        "max": matches[-1],
    }
    return results, checks, sorted(samples, reverse=True)


def _visibility(people) -> dict:
    """What each persona finds of what only some may see (the markers of the generated data)."""
    checks = {}
    for persona, user in people.items():
        held = index.search(HELD_MARKER, user)
        checks[f"held_or_hidden_found_by_{persona}"] = held.total
        profiles = index.search(MEMBERS_ONLY_MARKER, user)
        checks[f"members_only_profiles_found_by_{persona}"] = profiles.total
    return checks


def checks_pass(checks: dict) -> bool:
    return (
        all(checks[f"held_or_hidden_found_by_{p}"] == 0 for p in PERSONAS)
        and checks["members_only_profiles_found_by_anonymous"] == 0
        and checks["members_only_profiles_found_by_non-member"] == 0
        and checks["members_only_profiles_found_by_member"] > 0
        and checks["members_found_discussions_in_queries"] > 0
        and not checks["discussions_found_by_non_members"]
    )


def table(results: dict) -> str:
    lines = [
        f"Search benchmark – size {results['size']} "
        f"({results['counts']['search_documents']:,} search documents, "
        f"{results['counts']['posts']:,} posts)",
        "",
        f"{'persona':<16}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'n':>8}",
    ]
    for persona in (*PERSONAS, "overall"):
        row = results["timings"][persona]
        flag = "" if row["p95_ms"] < TARGET_P95_MS else f"  ≥ {TARGET_P95_MS:.0f} ms target"
        lines.append(
            f"{persona:<16}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}{row['max_ms']:>10.1f}"
            f"{row['n']:>8}{flag}"
        )
    lines.append("")
    for shape, row in results["timings"]["by_shape"].items():
        lines.append(f"  {shape:<18}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}{row['n']:>8}")
    lines.append("")
    lines.append(f"checks: {json.dumps(results['checks'], ensure_ascii=False)}")
    return "\n".join(lines)


def run(
    *,
    size: str = "small",
    database_url: str = DEFAULT_DATABASE_URL,
    output: Path | str | None = None,
    seed: int = 1,
    reuse: bool = False,
    template: str | None = None,
    log=print,
) -> dict:
    """Generate (unless reusing the same size), measure, check; write and return the results."""
    spec = SIZES[size]
    config = database.database_config(database_url)
    created = database.ensure_database(database_url, template)
    log(
        f"Search benchmark, size {size}, database {config['NAME']}"
        + (" (created)" if created else "")
    )
    results = {"size": size, "database": config["NAME"], "seed": seed, "spec": spec.__dict__}
    started = time.perf_counter()
    with database.using_database(database_url), override_settings(DEBUG=False):
        call_command("migrate", verbosity=0, interactive=False)
        existing = generated()
        if reuse and existing and existing["size"] == size:
            log(f"Reusing the data generated at {existing['generated_at']} (--reuse).")
            results["generation_seconds"] = existing["phases"]
            results["reused_data_generated_at"] = existing["generated_at"]
        else:
            log("Generating…")
            results["generation_seconds"] = generate(spec, seed=seed, log=log)
        results["counts"] = counts()
        log(f"  counts: {results['counts']}")
        results["environment"] = environment()
        log(f"Measuring {spec.queries} queries × {len(PERSONAS)} personas…")
        drawn = queries(random.Random(seed), spec.queries)
        timings, checks, slowest = measure(drawn, log)
        results["environment"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        results["timings"] = timings
        results["checks"] = checks
        results["checks_pass"] = checks_pass(checks)
        people = personas()
        results["slowest"] = [
            {"ms": round(e * 1000, 1), "persona": p, **drawn[i], "matches": total}
            for e, p, i, total in slowest[:10]
        ]
        results["explain"] = [
            {"persona": p, **drawn[i], "statements": explain(drawn[i], people[p])}
            for _e, p, i, _t in slowest[:3]
        ]
        results["target_p95_ms"] = TARGET_P95_MS
        results["target_met"] = all(timings[p]["p95_ms"] < TARGET_P95_MS for p in PERSONAS)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    output = Path(output) if output else settings.BASE_DIR / "benchmarks" / f"search-{size}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False) + "\n")
    log("")
    log(table(results))
    log(f"\nTotal {results['total_seconds']} s; results written to {output}")
    return results
