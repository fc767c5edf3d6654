"""The benchmarks' own PostgreSQL databases: checked by name, created, and swapped in for Django.

A benchmark empties or drops its database, so only a PostgreSQL database whose name starts
with `trama_bench` is accepted.
"""

import json
import os
import platform
import time
from contextlib import contextmanager

import dj_database_url
import psycopg
from django.db import connection, connections

DATABASE_PREFIX = "trama_bench"


def database_config(url: str) -> dict:
    """Django's settings for the database at `url`, refused unless it is a benchmark's own."""
    config = dj_database_url.parse(url)
    name = config.get("NAME") or ""
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ValueError("The benchmarks run on PostgreSQL only.")
    if not name.startswith(DATABASE_PREFIX):
        raise ValueError(
            f"Refusing database {name!r}: the benchmark empties its database, so its name "
            f"must start with {DATABASE_PREFIX!r}."
        )
    return config


def conninfo(config: dict, dbname: str) -> str:
    """A libpq connection string for `dbname` on the server of `config`."""
    parts = {
        "dbname": dbname,
        "host": config.get("HOST") or None,
        "port": str(config["PORT"]) if config.get("PORT") else None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v})


def ensure_database(url: str, template: str | None = None) -> bool:
    """Create the benchmark database through the `postgres` maintenance database if missing.

    `template`: a migrated database to copy (a test run's own, which nobody else uses), far
    quicker than migrating an empty one; an empty database if it cannot be copied.
    """
    config = database_config(url)
    with psycopg.connect(conninfo(config, "postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if exists:
            return False
        create = psycopg.sql.SQL("CREATE DATABASE {}").format(
            psycopg.sql.Identifier(config["NAME"])
        )
        if template:
            try:
                conn.execute(
                    create
                    + psycopg.sql.SQL(" TEMPLATE {}").format(psycopg.sql.Identifier(template))
                )
                return True
            except psycopg.errors.ObjectInUse:
                pass  # someone is connected to the template: migrate an empty one instead
        conn.execute(create)
    return True


def recreate_database(url: str) -> None:
    """Drop the benchmark database (closing its connections) and create it empty."""
    config = database_config(url)
    with psycopg.connect(conninfo(config, "postgres"), autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(config["NAME"])
            )
        )
    ensure_database(url)


@contextmanager
def using_database(url: str):
    """Point Django's default connection (in every thread) at the benchmark database."""
    config = database_config(url)
    previous = connections.settings["default"]
    connections["default"].close()
    new = connections.configure_settings({"default": {**config}})["default"]
    connections.settings["default"] = new
    del connections["default"]
    try:
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = previous
        del connections["default"]


# Tables a benchmark keeps when it empties its database: what `migrate` wrote and the
# territories (loaded once, read by every benchmark).
KEEP_TABLES = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "territories_region",
        "territories_province",
        "territories_municipality",
    }
)


def empty_database(cursor, keep=KEEP_TABLES) -> None:
    """Empty every table of the (benchmark) database but those in `keep`."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [name for (name,) in cursor.fetchall() if name not in keep]
    if tables:
        cursor.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )


def environment() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
        found = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_wal_size"):
            cursor.execute(f"SHOW {name}")
            found[name] = cursor.fetchone()[0]
    return {
        "postgres": version.split(" on ")[0],
        **found,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        # Other work on the machine skews timings: the load average when measuring began.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


class Timer:
    """Each phase of a generation timed and logged: `with timer.phase("name"): …`."""

    def __init__(self, log):
        self.phases = {}
        self.log = log

    @contextmanager
    def phase(self, name):
        self.log(f"  {name} …")
        started = time.perf_counter()
        yield
        self.phases[name] = round(time.perf_counter() - started, 2)
        self.log(f"  {name}: {self.phases[name]:.1f} s")


def record_generation(table: str, size: str, seed: int, phases: dict) -> None:
    """Note in the benchmark's own table what was generated, so `--reuse` can tell."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {table} "
            "(size text, seed int, generated_at timestamptz, phases jsonb)"
        )
        cursor.execute(f"TRUNCATE {table}")
        cursor.execute(
            f"INSERT INTO {table} (size, seed, generated_at, phases) "  # noqa: S608 - a constant
            "VALUES (%s, %s, now(), %s)",
            [size, seed, json.dumps(phases)],
        )


def read_generation(table: str) -> dict | None:
    """The size, seed, time and phase timings of the data in the database, if generated."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT size, seed, generated_at, phases FROM {table}")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    size, seed, at, phases = row
    if isinstance(phases, str):
        phases = json.loads(phases)
    return {"size": size, "seed": seed, "generated_at": at.isoformat(), "phases": phases}
