"""The open-data benchmark: OCDS bulk files for a national data set, and a large body's
art. 27 list.

`manage.py bench_opendata --size small|full` (or `make bench-opendata`)

1. creates a dedicated PostgreSQL database (default `trama_bench_opendata`) if missing,
   migrates it, empties it and fills it with the ORM's bulk inserts: public bodies and
   Third-Sector bodies with valid tax codes, programs, and procedures at every stage an
   OCDS release reads — calls recorded from history, published calls with their budget
   and criteria, rankings with their selected proposals, signed agreements with their
   parties (the art. 27 fields), tranches, payments (each with its ledger entry), accepted
   reports, the partners' pledges in the ledger, and ended agreements. One body, the
   "large body", has `art27_rows` published contributions in one year;
2. builds the bulk files as the nightly job does (`manage.py ocds_bulk`) in a child
   process, sampling its resident memory every 0.2 s, and reports the wall time, the peak
   RSS (from the kernel's accounting of that child) and the RSS along the run — memory
   bounded by one batch of procedures shows as a flat line after the first batches;
   the same child's peak RSS for `manage.py check` (Django loaded, nothing built) is the
   baseline;
3. downloads the large body's art. 27 list (CSV, XLSX, JSON, the page and the API's first
   page) through Django's test client, five times each after a warm-up; target under 2 s;
4. prints a table and writes `benchmarks/opendata-<size>.json`.

`--reuse` keeps the data generated earlier at the same size and only measures.
"""

import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from stdnum import luhn

from trama.agreements.models import Agreement, Party, Payment, Report, ReportingPeriod, Tranche
from trama.benchmarks import database
from trama.benchmarks.database import (
    Timer,
    empty_database,
    environment,
    read_generation,
    record_generation,
)
from trama.benchmarks.search import summary
from trama.ledger.models import Kind, LedgerEntry
from trama.ledger.vocabulary import Source
from trama.organizations.models import Organization
from trama.procedures.models import CallBudget, Criterion, Procedure, Proposal
from trama.programs.models import Program
from trama.territories.models import Municipality
from trama.territories.services import load_territories

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/trama_bench_opendata"
MEASURES = ("bulk", "art27")
ART27_TARGET_SECONDS = 2.0
LARGE_BODY_SLUG = "bench-comune-grande"
BATCH = 5000
UTC = datetime.UTC
VERIFIED = datetime.datetime(2018, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Size:
    name: str
    public_bodies: int
    third_sector: int
    procedures: int
    art27_rows: int  # the large body's published contributions in ART27_YEAR
    downloads: int  # timed downloads of each format


SIZES = {
    # CI: every step runs on little data (timings are not asserted).
    "small": Size("small", 5, 60, 120, 200, 1),
    "full": Size("full", 2_000, 20_000, 50_000, 10_000, 5),
}
ART27_YEAR = 2025
PARTNERS = 4  # partners of each generated agreement, each receiving public money


def tax_code(n: int) -> str:
    """A valid 11-digit tax code (as a partita IVA) for generated body n."""
    base = f"9{n:09d}"
    return base + luhn.calc_check_digit(base)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _bulk(model, rows):
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _bodies(size: Size, rng) -> tuple[list, list, Organization]:
    if not Municipality.objects.exists():
        load_territories()
    places = list(Municipality.objects.order_by("pk")[:3000])
    large = Organization(
        name="Comune di Grande Città",
        slug=LARGE_BODY_SLUG,
        municipality=places[0],
        kind=Organization.Kind.PUBLIC_BODY,
        public_body_type="MUNICIPALITY",
        legal_form=Organization.LegalForm.PUBLIC_ENTITY,
        tax_code=tax_code(0),
        verified_at=VERIFIED,
    )
    public = [large] + [
        Organization(
            name=f"Comune di {(place := rng.choice(places)).name} {i}",
            slug=f"bench-comune-{i}",
            municipality=place,
            kind=Organization.Kind.PUBLIC_BODY,
            public_body_type="MUNICIPALITY",
            legal_form=Organization.LegalForm.PUBLIC_ENTITY,
            tax_code=tax_code(i),
            verified_at=VERIFIED,
        )
        for i in range(1, size.public_bodies)
    ]
    forms = [
        Organization.LegalForm.SOCIAL_COOPERATIVE,
        Organization.LegalForm.ASSOCIATION,
        Organization.LegalForm.CONSORTIUM,
        Organization.LegalForm.FOUNDATION,
    ]
    third = [
        Organization(
            name=f"Ente del Terzo settore {i}",
            slug=f"bench-ets-{i}",
            municipality=rng.choice(places),
            kind=Organization.Kind.THIRD_SECTOR,
            legal_form=forms[i % len(forms)],
            tax_code=tax_code(1_000_000 + i),
            verified_at=VERIFIED,
        )
        for i in range(size.third_sector)
    ]
    public = _bulk(Organization, public)
    third = _bulk(Organization, third)
    return public, third, public[0]


# Platform procedures by stage (the rest of the procedures are recorded from history).
STAGES = [
    (Procedure.State.PUBLISHED, 0.10),
    (Procedure.State.RANKED, 0.15),
    (Procedure.State.AGREED, 0.15),
    (Procedure.State.IN_PROGRESS, 0.30),
    (Procedure.State.COMPLETED, 0.30),
]
AGREED = (Procedure.State.AGREED, Procedure.State.IN_PROGRESS, Procedure.State.COMPLETED)


def _procedures(size: Size, rng, public, large, user) -> list[Procedure]:
    programs = _bulk(
        Program,
        [
            Program(
                owner=body,
                title=f"Programma di welfare {i}",
                slug=f"bench-programma-{i}",
                area="SOCIAL_WELFARE",
                start_year=2018,
                end_year=2027,
            )
            for i, body in enumerate(public)
        ],
    )
    program_of = {p.owner_id: p for p in programs}
    # The large body's agreements: enough signed in ART27_YEAR for its art. 27 rows.
    large_agreements = -(-size.art27_rows // PARTNERS)
    rows = []
    for n in range(size.procedures):
        if n < large_agreements:
            owner, state, origin = large, Procedure.State.IN_PROGRESS, Procedure.Origin.PLATFORM
            opened = datetime.date(ART27_YEAR - 1, 1 + n % 12, 1 + n % 28)
        else:
            owner = rng.choice(public)
            opened = datetime.date(rng.randint(2018, 2025), rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.2:
                origin, state = Procedure.Origin.HISTORICAL, Procedure.State.COMPLETED
            else:
                origin = Procedure.Origin.PLATFORM
                state = rng.choices([s for s, _w in STAGES], [w for _s, w in STAGES])[0]
        published = at(opened) if origin == Procedure.Origin.PLATFORM else None
        deadline = at(opened + datetime.timedelta(days=45), 12) if published else None
        ranked = (
            at(opened + datetime.timedelta(days=75))
            if published and state != Procedure.State.PUBLISHED
            else None
        )
        rows.append(
            Procedure(
                program=program_of[owner.pk],
                owner=owner,
                title=f"Co-progettazione di servizi di comunità n. {n}",
                kind=Procedure.Kind.CO_DESIGN,
                origin=origin,
                state=state,
                reference=f"AV-{opened.year}-{n}",
                opened_on=opened,
                closed_on=opened + datetime.timedelta(days=900)
                if origin == Procedure.Origin.HISTORICAL
                else None,
                description="Servizi di prossimità e di comunità per famiglie e anziani.",
                objectives="Rafforzare la rete dei servizi di comunità.",
                territory=owner.name,
                rup=user if published else None,
                duration_months=24,
                deadline=deadline,
                published_at=published,
                closed_at=deadline if ranked else None,
                ranked_at=ranked,
            )
        )
    return _bulk(Procedure, rows)


def _calls(procedures) -> None:
    platform = [p for p in procedures if p.published_at]
    _bulk(
        CallBudget,
        [
            CallBudget(procedure=p, year=p.opened_on.year + k, amount=Decimal(50_000 + 1_000 * k))
            for p in platform
            for k in range(2)
        ],
    )
    _bulk(
        Criterion,
        [
            Criterion(procedure=p, position=k, title=title, max_points=Decimal(points))
            for p in platform
            for k, (title, points) in enumerate(
                [("Qualità del progetto", 40), ("Rete di partenariato", 30), ("Risorse", 30)]
            )
        ],
    )


def _rankings(procedures, third, rng, user) -> dict[int, list[int]]:
    """Three ranked proposals per ranked procedure; returns each procedure's selected leads."""
    ranked = [p for p in procedures if p.ranked_at]
    leads = {p.pk: rng.sample(third, 3) for p in ranked}
    _bulk(
        Proposal,
        [
            Proposal(
                procedure=p,
                lead=lead,
                title=f"Proposta {rank} per il procedimento {p.pk}",
                state=Proposal.State.SELECTED if rank == 1 else Proposal.State.NOT_SELECTED,
                budget_total=Decimal(120_000),
                created_by=user,
                submitted_at=p.deadline - datetime.timedelta(days=2),
                submitted_by=user,
                sealed_at=p.deadline - datetime.timedelta(days=2),
                decided_at=p.ranked_at,
                total_score=Decimal(90 - 10 * rank),
                rank=rank,
            )
            for p in ranked
            for rank, lead in enumerate(leads[p.pk], start=1)
        ],
    )
    return {pk: [org.pk for org in found] for pk, found in leads.items()}


def _agreements(procedures, third, large, rng, user) -> int:
    """The agreements of the procedures past their table, with what art. 27 and OCDS read;
    returns the large body's art. 27 rows in ART27_YEAR."""
    agreed = [p for p in procedures if p.ranked_at and p.state in AGREED]
    now = timezone.now()
    agreements = []
    for p in agreed:
        if p.owner_id == large.pk:
            signed = at(datetime.date(ART27_YEAR, 1 + p.pk % 12, 1 + p.pk % 28))
        else:
            signed = p.ranked_at + datetime.timedelta(days=60)
        agreements.append(
            Agreement(
                procedure=p,
                object=f"Convenzione per la co-progettazione n. {p.pk}",
                starts_on=signed.date(),
                ends_on=signed.date() + datetime.timedelta(days=730),
                signed_at=signed,
                completed_at=signed + datetime.timedelta(days=730)
                if p.state == Procedure.State.COMPLETED
                else None,
                created_by=user,
            )
        )
    agreements = _bulk(Agreement, agreements)
    partners = {a.pk: rng.sample(third, PARTNERS) for a in agreements}
    parties = []
    for a in agreements:
        procedure = a.procedure
        parties.append(
            Party(
                agreement=a,
                organization_id=procedure.owner_id,
                role=Party.Role.PUBLIC_BODY,
                representative_name="Sindaco",
            )
        )
        for n, org in enumerate(partners[a.pk]):
            parties.append(
                Party(
                    agreement=a,
                    organization=org,
                    role=Party.Role.LEAD if n == 0 else Party.Role.PARTNER,
                    representative_name=f"Legale rappresentante {org.pk}",
                    receives_public_money=True,
                    legal_basis="Art. 55 D.Lgs. 117/2017",
                    office="Servizi sociali",
                    official="Dirigente dei servizi sociali",
                    selection_method="Avviso pubblico di co-progettazione",
                    published_at=a.signed_at,
                )
            )
    _bulk(Party, parties)
    tranches = _bulk(
        Tranche,
        [
            Tranche(
                agreement=a,
                kind=kind,
                payee=org,
                amount=Decimal(rng.randint(3, 40) * 500),
                due_on=a.starts_on + datetime.timedelta(days=offset),
            )
            for a in agreements
            for org in partners[a.pk]
            for kind, offset in ((Tranche.Kind.ADVANCE, 0), (Tranche.Kind.BALANCE, 700))
        ],
    )
    by_pk = {a.pk: a for a in agreements}
    # Advances paid once the work is under way, each payment with its ledger entry.
    paid = [
        t
        for t in tranches
        if t.kind == Tranche.Kind.ADVANCE
        and by_pk[t.agreement_id].procedure.state != Procedure.State.AGREED
    ]
    entries = _bulk(
        LedgerEntry,
        [
            LedgerEntry(
                program_id=by_pk[t.agreement_id].procedure.program_id,
                procedure=by_pk[t.agreement_id].procedure,
                kind=Kind.ACTUAL,
                category="ECONOMIC",
                source=Source.PUBLIC_OWNER,
                contributor_id=by_pk[t.agreement_id].procedure.owner_id,
                year=t.due_on.year,
                amount=t.amount,
                description=f"Anticipo, mandato {t.pk}",
                recorded_by=user,
            )
            for t in paid
        ],
    )
    _bulk(
        Payment,
        [
            Payment(
                tranche=t,
                paid_on=t.due_on + datetime.timedelta(days=10),
                amount=t.amount,
                order_number=f"Mandato {t.pk}/{t.due_on.year}",
                entry=entry,
                recorded_by=user,
            )
            for t, entry in zip(paid, entries, strict=True)
        ],
    )
    # Each partner's pledged co-funding (the contract's budget breakdown).
    _bulk(
        LedgerEntry,
        [
            LedgerEntry(
                program_id=a.procedure.program_id,
                procedure=a.procedure,
                kind=Kind.PLEDGE,
                category="PROJECT",
                source=rng.choice([Source.OWN_RESOURCES, Source.PRIVATE_DONATIONS]),
                contributor=org,
                year=a.starts_on.year,
                amount=Decimal(rng.randint(1, 30) * 1000),
                description="Cofinanziamento del partner",
                recorded_by=user,
            )
            for a in agreements
            for org in partners[a.pk]
        ],
    )
    # The first period's report accepted once the work is under way.
    periods = _bulk(
        ReportingPeriod,
        [
            ReportingPeriod(
                agreement=a,
                number=n,
                starts_on=a.starts_on + datetime.timedelta(days=365 * (n - 1)),
                ends_on=a.starts_on + datetime.timedelta(days=365 * n - 1),
                due_on=a.starts_on + datetime.timedelta(days=365 * n + 30),
                is_final=n == 2,
            )
            for a in agreements
            for n in (1, 2)
        ],
    )
    _bulk(
        Report,
        [
            Report(
                agreement_id=p.agreement_id,
                period=p,
                state=Report.State.ACCEPTED,
                public_summary=f"Attività del periodo {p.number}: servizi avviati.",
                submitted_at=now,
            )
            for p in periods
            if p.number == 1 and by_pk[p.agreement_id].procedure.state != Procedure.State.AGREED
        ],
    )
    return sum(len(partners[a.pk]) for a in agreements if a.procedure.owner_id == large.pk)


def generate(size: Size, *, seed: int, log) -> dict:
    """Empty the benchmark database and fill it; returns each phase's seconds."""
    timer = Timer(log)
    rng = random.Random(seed)
    with transaction.atomic():
        with timer.phase("empty database"), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            empty_database(cursor)
        user = get_user_model().objects.create_user(
            email="rup@bench.trama.it", password=None, first_name="Rita", last_name="Rup"
        )
        with timer.phase("bodies"):
            public, third, large = _bodies(size, rng)
        with timer.phase(f"procedures ({size.procedures:,})"):
            procedures = _procedures(size, rng, public, large, user)
        with timer.phase("calls' budgets and criteria"):
            _calls(procedures)
        with timer.phase("rankings"):
            _rankings(procedures, third, rng, user)
        with timer.phase("agreements, payments, pledges, reports"):
            art27 = _agreements(procedures, third, large, rng, user)
        log(f"  the large body's art. 27 rows in {ART27_YEAR}: {art27}")
    with timer.phase("vacuum analyze"), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    record_generation(META_TABLE, size.name, seed, timer.phases)
    return timer.phases


META_TABLE = "bench_opendata_meta"


def generated() -> dict | None:
    return read_generation(META_TABLE)


def counts() -> dict:
    return {
        "procedures": Procedure.objects.count(),
        "procedures_listed": Procedure.objects.listed().count(),
        "proposals_ranked": Proposal.objects.filter(rank__isnull=False).count(),
        "agreements": Agreement.objects.count(),
        "parties": Party.objects.count(),
        "tranches": Tranche.objects.count(),
        "payments": Payment.objects.count(),
        "reports_accepted": Report.objects.filter(state=Report.State.ACCEPTED).count(),
        "ledger_entries": LedgerEntry.objects.count(),
    }


def _child_env(database_url: str, media_root: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trama.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": media_root,
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }


def _rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


# The child runs manage.py and, as it exits, prints its own peak RSS (VmHWM, in KiB). Not
# the kernel's rusage: ru_maxrss survives exec, so it would count the parent's memory that
# the child had before it became manage.py.
PEAK_MARKER = "trama-bench-peak-rss-kib"
CHILD = f"""
import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("{PEAK_MARKER}", line.split()[1], flush=True)
atexit.register(peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_child(args: list[str], env: dict) -> dict:
    """Run `manage.py <args>` in a child process: wall time, peak RSS and RSS samples."""
    samples = []
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    done = threading.Event()

    def sample():
        while not done.is_set():
            rss = _rss_kib(child.pid)
            if rss:
                samples.append((round(time.perf_counter() - started, 1), rss))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.stdout.read()
    _pid, status, _usage = os.wait4(child.pid, 0)
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{output}")
    peak = next(
        int(line.split()[1]) for line in output.splitlines() if line.startswith(PEAK_MARKER)
    )
    # The RSS along the run, at each tenth of it (the line memory draws).
    along = []
    if samples:
        for tenth in range(1, 11):
            moment = seconds * tenth / 10
            before = [rss for t, rss in samples if t <= moment]
            along.append(round((before[-1] if before else samples[0][1]) / 1024, 1))
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "rss_mib_at_each_tenth": along,
        "output": [line for line in output.strip().splitlines() if PEAK_MARKER not in line][-12:],
    }


def measure_bulk(database_url: str, log) -> dict:
    with tempfile.TemporaryDirectory(prefix="trama-bench-media-") as media:
        env = _child_env(database_url, media)
        baseline = run_child(["check"], env)
        log(f"  baseline (manage.py check): peak RSS {baseline['peak_rss_mib']} MiB")
        built = run_child(["ocds_bulk"], env)
        folder = Path(media) / "opendata" / "ocds"
        files = {
            p.name: round(p.stat().st_size / 2**20, 1) for p in sorted(folder.glob("releases-*"))
        }
        releases = 0
        for path in folder.glob("*.jsonl"):
            with path.open("rb") as handle:
                releases += sum(1 for _line in handle)
    built["files_mib"] = files
    built["releases"] = releases
    built["baseline_peak_rss_mib"] = baseline["peak_rss_mib"]
    log(
        f"  ocds_bulk: {releases:,} releases in {built['seconds']} s, peak RSS "
        f"{built['peak_rss_mib']} MiB; RSS along the run {built['rss_mib_at_each_tenth']}"
    )
    return built


def art27_urls(year: int) -> dict[str, str]:
    base = f"/enti/{LARGE_BODY_SLUG}/trasparenza/art-27/{year}/"
    return {
        "csv": base + "elenco.csv",
        "xlsx": base + "elenco.xlsx",
        "json": base + "elenco.json",
        "page": base,
        "api (first page)": f"/api/v1/transparency/{LARGE_BODY_SLUG}/art27/{year}",
    }


@override_settings(ALLOWED_HOSTS=["testserver"])
def measure_art27(downloads: int, log) -> dict:
    client = Client()
    results = {}
    for label, url in art27_urls(ART27_YEAR).items():
        times, size_bytes = [], 0
        for attempt in range(downloads + 1):  # the first is a warm-up, not counted
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response) if response.streaming else response.content
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            if attempt:
                times.append(elapsed)
            size_bytes = len(body)
        row = {**summary(times), "bytes": size_bytes}
        if label == "json":
            row["rows"] = len(json.loads(body)["rows"])
        results[label] = row
        log(f"  art. 27 {label}: {row}")
    return results


def table(results: dict) -> str:
    lines = [
        f"Open-data benchmark – size {results['size']} ({results['counts']['procedures']:,} "
        f"procedures, {results['counts']['agreements']:,} agreements)",
        "",
    ]
    bulk = results.get("ocds_bulk")
    if bulk:
        lines += [
            f"OCDS bulk files: {bulk['releases']:,} releases in {bulk['seconds']} s; peak RSS "
            f"{bulk['peak_rss_mib']} MiB (Django alone {bulk['baseline_peak_rss_mib']} MiB); "
            f"RSS at each tenth of the run (MiB): {bulk['rss_mib_at_each_tenth']}",
            "",
        ]
    if "art27" not in results:
        return "\n".join(lines)
    lines += [
        f"art. 27 list of the large body ({results['art27_rows']:,} rows in {ART27_YEAR})",
        f"{'download':<20}{'median ms':>12}{'max ms':>10}{'MB':>8}",
    ]
    for label, row in results["art27"].items():
        flag = "" if row["max_ms"] < ART27_TARGET_SECONDS * 1000 else "  ≥ 2 s target"
        lines.append(
            f"{label:<20}{row['p50_ms']:>12.1f}{row['max_ms']:>10.1f}"
            f"{row['bytes'] / 1e6:>8.2f}{flag}"
        )
    return "\n".join(lines)


def run(
    *,
    size: str = "small",
    database_url: str = DEFAULT_DATABASE_URL,
    output: Path | str | None = None,
    seed: int = 1,
    reuse: bool = False,
    template: str | None = None,
    measure: tuple[str, ...] = MEASURES,
    log=print,
) -> dict:
    spec = SIZES[size]
    config = database.database_config(database_url)
    created = database.ensure_database(database_url, template)
    log(
        f"Open-data benchmark, size {size}, database {config['NAME']}"
        + (" (created)" if created else "")
    )
    results = {"size": size, "database": config["NAME"], "seed": seed, "spec": asdict(spec)}
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
        if "bulk" in measure:
            log("Building the OCDS bulk files (manage.py ocds_bulk, a child process)…")
            results["ocds_bulk"] = measure_bulk(database_url, log)
        if "art27" in measure:
            log(f"Downloading the art. 27 list, {spec.downloads} times each…")
            results["art27"] = measure_art27(spec.downloads, log)
            results["art27_rows"] = results["art27"]["json"]["rows"]
            results["art27_target_seconds"] = ART27_TARGET_SECONDS
            results["art27_target_met"] = all(
                row["max_ms"] < ART27_TARGET_SECONDS * 1000
                for label, row in results["art27"].items()
                if label in ("csv", "xlsx", "json")
            )
        results["environment"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    output = Path(output) if output else settings.BASE_DIR / "benchmarks" / f"opendata-{size}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False) + "\n")
    log("")
    log(table(results))
    log(f"\nTotal {results['total_seconds']} s; results written to {output}")
    return results
