"""The ledger benchmark's measurements: figures, entry writes, concurrent writers, imports.

Every measurement goes through the functions the platform itself calls: `compute_figures`
(pages and API), `services.record_entry` (an officer's write) and the spreadsheet import the
upload wizard's task runs.
"""

import csv
import io
import math
import random
import statistics
import threading
import time
from collections import Counter
from contextlib import suppress
from decimal import Decimal

import openpyxl
import psycopg
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, connections
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from trama.benchmarks.ledger_generation import Size
from trama.ledger import services
from trama.ledger.figures import Scope, compute_figures
from trama.ledger.imports.columns import COLUMN_NAMES as IMPORT_COLUMNS
from trama.ledger.imports.reading import open_sheet
from trama.ledger.imports.run import run_import
from trama.organizations.models import Membership, Organization
from trama.procedures.models import Procedure
from trama.programs.models import Program
from trama.territories.models import Province, Region


def summary(seconds: list[float]) -> dict:
    if not seconds:
        return {"n": 0}
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[max(0, math.ceil(0.95 * len(ms)) - 1)]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ms[-1], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def scope_ids(rng, level: str, samples: int) -> list[int]:
    if level == "country":
        return [0] * samples
    pools = {
        "procedure": lambda: Procedure.objects.values_list("pk", flat=True),
        "program": lambda: Program.objects.values_list("pk", flat=True),
        "owner": lambda: Program.objects.values_list("owner_id", flat=True).distinct(),
        "province": lambda: Province.objects.values_list("pk", flat=True),
        "region": lambda: Region.objects.values_list("pk", flat=True),
        "contributor": lambda: Organization.objects.filter(kind="THIRD_SECTOR").values_list(
            "pk", flat=True
        ),
    }
    ids = list(pools[level]())
    if len(ids) >= samples:
        return rng.sample(ids, samples)
    return [rng.choice(ids) for _ in range(samples)]


def measure_figures(size: Size, rng, log) -> dict:
    """compute_figures over random scopes of each level (the country: repeated)."""
    plan = [
        ("procedure", {}),
        ("program", {}),
        ("region", {}),
        ("country", {}),
        ("owner", {}),
        ("province", {}),
        ("contributor", {}),
        ("region", {"year_from": 2016, "year_to": 2019}),
        ("country", {"year_from": 2016, "year_to": 2019}),
        ("country", "random"),
    ]
    results = {}
    for level, years in plan:
        if years == "random":
            # Any range of years: a different random one for each sample.
            _measure_random_ranges(results, level, size, rng, log)
            continue
        label = level + (" 2016–2019" if years else "")
        ids = scope_ids(rng, level, size.samples)
        for scope_id in ids[:5]:  # warm-up, not counted
            compute_figures(Scope(level, scope_id), **years)
        times, with_data = [], 0
        for scope_id in ids:
            started = time.perf_counter()
            figures = compute_figures(Scope(level, scope_id), **years)
            times.append(time.perf_counter() - started)
            with_data += figures.has_data
        results[label] = {**summary(times), "scopes_with_data": with_data}
        log(f"  figures {label}: {results[label]}")
    return results


def _measure_random_ranges(results, level, size, rng, log) -> None:
    label = f"{level} random year ranges"
    times, with_data = [], 0
    for sample in range(size.samples + 5):
        first = rng.randint(2008, 2030)
        last = rng.randint(first, 2030)
        started = time.perf_counter()
        figures = compute_figures(Scope(level, 0), year_from=first, year_to=last)
        if sample >= 5:  # the first five warm up
            times.append(time.perf_counter() - started)
            with_data += figures.has_data
    results[label] = {**summary(times), "scopes_with_data": with_data}
    log(f"  figures {label}: {results[label]}")


def explain_figures(level: str, scope_id: int, **years) -> list[dict]:
    """EXPLAIN ANALYZE of every query compute_figures runs for one scope."""
    with CaptureQueriesContext(connection) as captured:
        compute_figures(Scope(level, scope_id), **years)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append(
                {"sql": query["sql"], "plan": "\n".join(row[0] for row in cursor.fetchall())}
            )
    return plans


def _writer_user(programs) -> object:
    """A user who belongs to the owning bodies of the programs written to (via the ORM)."""
    user, _created = get_user_model().objects.get_or_create(
        email="bench-writer@trama.test", defaults={"first_name": "Bench", "last_name": "Writer"}
    )
    Membership.objects.bulk_create(
        [Membership(organization_id=p.owner_id, user=user) for p in programs],
        ignore_conflicts=True,
    )
    return user


class Writer:
    """Records actuals on one program the way an officer of its owning body does."""

    def __init__(self, program, user, rng, years=None):
        self.program = program
        self.user = user
        self.rng = rng
        self.years = list(years or program.years)
        self.procedures = list(program.procedures.all()[:10])
        partner_ids = list(
            program.entries.filter(source="OWN_RESOURCES")
            .values_list("contributor_id", flat=True)
            .distinct()[:10]
        ) or list(Organization.objects.filter(kind="THIRD_SECTOR").values_list("pk", flat=True)[:5])
        self.partners = list(Organization.objects.filter(pk__in=partner_ids))

    def write(self):
        rng = self.rng
        own = rng.random() < 0.5
        return services.record_entry(
            by=self.user,
            program=self.program,
            kind="ACTUAL",
            category="ECONOMIC" if own else rng.choice(["PROFESSIONAL", "ORGANISATIONAL"]),
            source="PUBLIC_OWNER" if own else "OWN_RESOURCES",
            contributor=self.program.owner if own else rng.choice(self.partners),
            year=rng.choice(self.years),
            amount=f"{rng.randint(100, 50_000)}.{rng.randint(0, 99):02d}",
            procedure=rng.choice(self.procedures)
            if self.procedures and rng.random() < 0.5
            else None,
            description="Scrittura di prova del benchmark",
        )


def measure_writes(size: Size, rng, log) -> dict:
    ids = scope_ids(rng, "program", min(size.writes, Program.objects.count()))
    programs = list(Program.objects.with_territory().filter(pk__in=ids))
    user = _writer_user(programs)
    writers = [Writer(p, user, rng) for p in programs]
    for writer in writers[:3]:
        writer.write()  # warm-up
    with CaptureQueriesContext(connection) as captured:
        writers[0].write()
    times = []
    for i in range(size.writes):
        writer = writers[i % len(writers)]
        started = time.perf_counter()
        writer.write()
        times.append(time.perf_counter() - started)
    result = {**summary(times), "queries_per_write": len(captured.captured_queries)}
    log(f"  entry write: {result}")
    return result


LOCK_SAMPLE = """
SELECT a.pid, a.wait_event_type, a.wait_event, l.relation::regclass::text, a.query
FROM pg_stat_activity a
LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
  AND a.backend_type = 'client backend' AND a.state = 'active'
"""


WAITED_TABLES = [
    "ledger_ledgertotal",
    "ledger_contributortotal",
    "audit_chainhead",
    "audit_auditevent",
    "ledger_ledgerentry",
    "ledger_verification",
]


def _table_of(query: str) -> str:
    """The table a waiting statement writes to or locks (a row wait names no relation)."""
    query = query or ""
    return next((table for table in WAITED_TABLES if table in query), query[:40])


class LockSampler(threading.Thread):
    """Polls pg_stat_activity/pg_locks: how many writers wait on a lock, and on what."""

    def __init__(self, conninfo: str, interval: float = 0.005):
        super().__init__(daemon=True)
        self.conninfo = conninfo
        self.interval = interval
        self.stop = threading.Event()
        self.samples = 0
        self.active = 0
        self.waiting = 0
        self.on = Counter()
        self.started_at = self.stopped_at = 0.0

    def run(self):
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            self.started_at = time.perf_counter()
            while not self.stop.is_set():
                rows = conn.execute(LOCK_SAMPLE).fetchall()
                pids = {row[0] for row in rows}
                waiting = {row[0] for row in rows if row[1] == "Lock"}
                self.samples += 1
                self.active += len(pids)
                self.waiting += len(waiting)
                for _pid, kind, event, relation, query in rows:
                    if kind == "Lock":
                        self.on[f"{event} on {relation or _table_of(query)}"] += 1
                time.sleep(self.interval)
            self.stopped_at = time.perf_counter()

    def report(self, writes: int) -> dict:
        elapsed = self.stopped_at - self.started_at
        mean_waiting = self.waiting / self.samples if self.samples else 0.0
        total = sum(self.on.values()) or 1
        return {
            "samples": self.samples,
            "mean_active_backends": round(self.active / max(self.samples, 1), 2),
            "mean_backends_waiting_on_locks": round(mean_waiting, 2),
            # Little's law: time spent waiting = mean number waiting × elapsed time.
            "lock_wait_ms_per_write": round(mean_waiting * elapsed * 1000 / max(writes, 1), 2),
            "waits_on": {k: round(v / total, 3) for k, v in self.on.most_common(6)},
        }


def _write_for(program_id, user_id, seconds, seed, latencies, errors, barrier):
    try:
        program = Program.objects.with_territory().get(pk=program_id)
        writer = Writer(program, get_user_model().objects.get(pk=user_id), random.Random(seed))
        barrier.wait()
        stop_at = time.perf_counter() + seconds
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write()
            latencies.append(time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 — reported in the results
        errors.append(repr(exc))
        barrier.abort()
    finally:
        connections.close_all()


def _concurrent(program_ids, user, seconds, seed, conninfo) -> dict:
    """One thread per program id (repeat an id for writers sharing a program)."""
    latencies, errors = [], []
    threads = len(program_ids)
    barrier = threading.Barrier(threads + 1)
    workers = [
        threading.Thread(
            target=_write_for,
            args=(program_id, user.pk, seconds, seed + i, latencies, errors, barrier),
        )
        for i, program_id in enumerate(program_ids)
    ]
    for worker in workers:
        worker.start()
    sampler = LockSampler(conninfo)
    with suppress(threading.BrokenBarrierError):
        barrier.wait()
    started = time.perf_counter()
    sampler.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    return {
        "threads": threads,
        "programs": len(set(program_ids)),
        "writes": len(latencies),
        "writes_per_s": round(len(latencies) / elapsed, 1),
        **summary(latencies),
        **sampler.report(len(latencies)),
        "errors": errors[:5],
    }


def _programs_in_one_region(count: int, exclude: int) -> list[int]:
    """`count` programs of different owners in the region with the most programs."""
    region = (
        Program.objects.values("owner__municipality__province__region")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["owner__municipality__province__region"]
    )
    ids, owners = [], set()
    for pk, owner in (
        Program.objects.filter(owner__municipality__province__region=region)
        .exclude(pk=exclude)
        .order_by("pk")
        .values_list("pk", "owner_id")
    ):
        if owner not in owners:
            ids.append(pk)
            owners.add(owner)
        if len(ids) == count:
            break
    return ids


def _programs_in_different_regions(count: int) -> list[int]:
    ids, regions = [], set()
    for pk, region in Program.objects.order_by("pk").values_list(
        "pk", "owner__municipality__province__region"
    ):
        if region not in regions:
            ids.append(pk)
            regions.add(region)
        if len(ids) == count:
            break
    return ids


def measure_lock_waits(size: Size, rng, conninfo: str, log) -> dict:
    """Concurrent writers: on the SAME program, on programs of one region, across regions.

    Writers on one program share its roll-up rows and its audit chain head; writers in one
    region share the region's (and province's) roll-up rows. Writers in different regions
    share no row: their slowdown over a single writer is the CPU (and, with threads, the
    GIL), so the difference to them is what locks cost.
    """
    n = size.lock_threads
    # Program 1 holds the most entries (long-tail spread): a busy program.
    busy = Program.objects.order_by("pk").values_list("pk", flat=True).first()
    same_region = _programs_in_one_region(n, busy)
    different_regions = _programs_in_different_regions(n)
    user = _writer_user(Program.objects.filter(pk__in=[busy, *same_region, *different_regions]))
    seconds = size.lock_seconds
    result = {"program": busy}
    result["single_writer"] = _concurrent([busy], user, seconds, 1000, conninfo)
    result["same_program"] = _concurrent([busy] * n, user, seconds, 2000, conninfo)
    result["same_region"] = _concurrent(same_region, user, seconds, 3000, conninfo)
    result["different_regions"] = _concurrent(different_regions, user, seconds, 4000, conninfo)
    for key in ("single_writer", "same_program", "same_region", "different_regions"):
        log(f"  writers {key}: {result[key]}")
    return result


# --- Imports ---------------------------------------------------------------------------
#
# The spreadsheet import is `trama.ledger.imports.run.run_import(program, by=, data=,
# file_name=, dry_run=)`, the function the upload wizard's background task calls. The
# benchmark writes `import_rows` synthetic rows for one program as CSV (Italian number
# format, `;`, as in the downloadable template) and as XLSX (numeric cells), and times the
# real import of each into a different program. Reading the file alone is timed apart, to
# tell parsing from writing.


def _italian(value) -> str:
    whole, _sep, cents = f"{value:.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return ".".join([whole, *groups]) + "," + cents


def import_rows(program, count: int, rng, prefix: str) -> list[dict]:
    """Rows as a program's officer would import them: every source, kind and category."""
    province = program.owner.municipality.province_id
    # Forty Third-Sector bodies of the province, picked at random, are the partners.
    codes = list(
        Organization.objects.filter(kind="THIRD_SECTOR", municipality__province_id=province)
        .order_by("pk")
        .values_list("tax_code", flat=True)
    ) or list(
        Organization.objects.filter(kind="THIRD_SECTOR")
        .order_by("pk")
        .values_list("tax_code", flat=True)
    )
    partners = rng.sample(codes, min(40, len(codes)))
    funders = list(Organization.objects.filter(kind="FUNDER").values_list("tax_code", flat=True))
    others = list(
        Organization.objects.filter(kind="PUBLIC_BODY")
        .exclude(pk=program.owner_id)
        .values_list("tax_code", flat=True)[:20]
    )
    references = [p.reference for p in program.procedures.all() if p.reference]
    years = list(program.years)
    rows = []
    for i in range(count):
        u = rng.random()
        source = (
            "PUBLIC_OWNER"
            if u < 0.35
            else "OTHER_PUBLIC"
            if u < 0.43
            else "FOUNDATION_GRANT"
            if u < 0.53
            else "OWN_RESOURCES"
            if u < 0.83
            else "PRIVATE_DONATIONS"
        )
        row = dict.fromkeys(IMPORT_COLUMNS, "")
        row["external_id"] = f"{prefix}-{i + 1:06d}"
        row["kind"] = "PLEDGE" if rng.random() < 0.35 else "ACTUAL"
        row["source"] = source
        row["year"] = rng.choice(years)
        row["description"] = f"Riga {i + 1} importata"
        if source == "PUBLIC_OWNER":
            row["contributor_tax_code"] = program.owner.tax_code
        elif source == "OTHER_PUBLIC":
            row["contributor_tax_code"] = rng.choice(others)
        else:
            row["contributor_tax_code"] = rng.choice(partners)
        if source == "FOUNDATION_GRANT":
            row["funder_tax_code"] = rng.choice(funders)
            row["grant_reference"] = f"Bando {row['year']} n. {rng.randint(1, 400)}"
        if source in ("PUBLIC_OWNER", "OTHER_PUBLIC", "FOUNDATION_GRANT"):
            row["category"] = "ECONOMIC"
        else:
            row["category"] = rng.choice(["ECONOMIC", "PROFESSIONAL", "ORGANISATIONAL", "PROJECT"])
        if row["category"] == "PROFESSIONAL" and rng.random() < 0.5:
            row["quantity"] = Decimal(rng.randint(8, 1500))
            row["unit"] = "HOUR"
            row["unit_value"] = rng.choice([Decimal("18.50"), Decimal("22.50"), Decimal("27.00")])
        else:
            row["amount"] = Decimal(rng.randint(20_000, 5_000_000)) / 100
        if references and rng.random() < 0.5:
            row["procedure"] = rng.choice(references)
        rows.append(row)
    return rows


def import_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(IMPORT_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                _italian(row[c])
                if c in ("amount", "quantity", "unit_value") and row[c] != ""
                else row[c]
                for c in IMPORT_COLUMNS
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def import_xlsx(rows: list[dict]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Risorse")
    sheet.append(IMPORT_COLUMNS)
    for row in rows:
        sheet.append([row[c] if row[c] != "" else None for c in IMPORT_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class FigureProbe(threading.Thread):
    """Reads figures (as page views would) while something else writes."""

    def __init__(self, scopes, pause: float = 0.1):
        super().__init__(daemon=True)
        self.scopes = scopes
        self.pause = pause
        self.stop = threading.Event()
        self.times = {level: [] for level, _id in scopes}

    def run(self):
        try:
            while not self.stop.is_set():
                for level, scope_id in self.scopes:
                    started = time.perf_counter()
                    compute_figures(Scope(level, scope_id))
                    self.times[level].append(time.perf_counter() - started)
                self.stop.wait(self.pause)
        finally:
            connections.close_all()

    def report(self) -> dict:
        return {level: summary(times) for level, times in self.times.items()}


class NeighbourProbe(threading.Thread):
    """Writes, every half second, to another program of the same region as an import.

    An import is one transaction: the roll-up rows it touches (its region's and province's
    included) stay locked until it commits. Each write here gives up after `lock_timeout`.
    """

    def __init__(self, program_id, user_id, years, lock_timeout_s: float = 5.0):
        super().__init__(daemon=True)
        self.program_id, self.user_id, self.years = program_id, user_id, years
        self.lock_timeout_s = lock_timeout_s
        self.stop = threading.Event()
        self.times, self.timeouts, self.errors = [], 0, []

    def run(self):
        try:
            program = Program.objects.with_territory().get(pk=self.program_id)
            user = get_user_model().objects.get(pk=self.user_id)
            writer = Writer(program, user, random.Random(self.program_id), years=self.years)
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{int(self.lock_timeout_s * 1000)}ms'")
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    writer.write()
                except OperationalError as exc:
                    if "lock timeout" not in str(exc):
                        raise
                    self.timeouts += 1
                self.times.append(time.perf_counter() - started)
                self.stop.wait(0.5)
        except Exception as exc:  # noqa: BLE001 — reported in the results
            self.errors.append(repr(exc))
        finally:
            connections.close_all()

    def report(self) -> dict:
        return {
            "program": self.program_id,
            "attempts": len(self.times),
            "lock_timeouts": self.timeouts,
            "lock_timeout_s": self.lock_timeout_s,
            **summary(self.times),
            "errors": self.errors[:3],
        }


def _neighbour(program):
    """A program of another public body in the same region whose years overlap."""
    return (
        Program.objects.with_territory()
        .filter(
            owner__municipality__province__region=program.owner.municipality.province.region_id,
            start_year__lte=program.end_year,
            end_year__gte=program.start_year,
        )
        .exclude(owner=program.owner_id)
        .exclude(pk=1)
        .order_by("pk")
        .first()
    )


def measure_imports(size: Size, rng, log) -> dict:
    candidates = list(
        Program.objects.with_territory().filter(pk__gt=1).order_by("?")[:2]
    )  # program 1 is the lock test's
    neighbours = [_neighbour(program) for program in candidates]
    user = _writer_user(candidates + [n for n in neighbours if n])
    result = {"rows": size.import_rows}
    for fmt, program, neighbour in zip(("csv", "xlsx"), candidates, neighbours, strict=True):
        rows = import_rows(program, size.import_rows, rng, f"bench-{fmt}")
        data = import_csv(rows) if fmt == "csv" else import_xlsx(rows)
        name = f"bench-{size.name}.{fmt}"
        started = time.perf_counter()
        read = sum(1 for _row in open_sheet(data, name).rows)
        parse_seconds = time.perf_counter() - started
        probe = FigureProbe(
            [
                ("program", program.pk),
                ("region", program.owner.municipality.province.region_id),
                ("country", 0),
            ]
        )
        writer = None
        if neighbour is not None:
            overlap = range(
                max(program.start_year, neighbour.start_year),
                min(program.end_year, neighbour.end_year) + 1,
            )
            writer = NeighbourProbe(neighbour.pk, user.pk, list(overlap))
        probes = [probe, writer] if writer else [probe]
        for thread in probes:
            thread.start()
        started = time.perf_counter()
        try:
            report = run_import(program, by=user, data=data, file_name=name, dry_run=False)
        finally:
            seconds = time.perf_counter() - started
            for thread in probes:
                thread.stop.set()
                thread.join()
        result[fmt] = {
            "program": program.pk,
            "rows": read,
            "file_bytes": len(data),
            "imported": report.new,
            "ok": report.ok,
            "errors": (report.errors[:3] or report.file_error) if not report.ok else [],
            "seconds": round(seconds, 2),
            "rows_per_s": round(report.new / seconds, 1) if seconds else 0,
            "parse_seconds": round(parse_seconds, 2),
            "parse_rows_per_s": round(read / parse_seconds, 1) if parse_seconds else 0,
            # Pages read while the import's one long transaction is open.
            "figures_during_import": probe.report(),
            # Writes to another program of the same region while the import runs.
            "neighbour_writes_during_import": writer.report() if writer else None,
        }
        log(f"  import {fmt}: {result[fmt]}")
    return result
