"""Submission benchmark: many partnerships submitting to one call over HTTP, the deadline
falling during the run.

1. (Re)creates its own PostgreSQL database (name starting with `trama_bench`), migrates it,
   loads territories, a verified Comune, N Third-Sector bodies with an admin and a write API
   token each, one published co-design call and N complete draft proposals (through the
   services, as on the pages).
2. Moves the call's deadline to a few seconds after the run starts (directly in the
   database: no service shortens a deadline), starts gunicorn on loopback against that
   database, and has C client threads POST `/api/v1/proposals/{id}/submit`.
3. Checks: no 5xx; every 200 carries a receipt with a distinct number and hash, stored and
   issued no later than the deadline; every refusal is `deadline_passed` and leaves its
   proposal a draft; receipts + refusals = submissions.
"""

import datetime
import hashlib
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from trama.accounts.models import User
from trama.accounts.services import create_api_token
from trama.benchmarks.database import conninfo, database_config, recreate_database, using_database
from trama.organizations.models import Membership, Organization
from trama.organizations.services import create_organization, verify_organization
from trama.procedures import services
from trama.procedures.models import Proposal, Receipt
from trama.programs.services import create_program
from trama.territories.forms import find_municipality
from trama.territories.services import load_territories

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/trama_bench_submissions"
ROOT = Path(settings.BASE_DIR)
SECRET = "bench-" + "s" * 50


def _prepare(n: int, log) -> dict:
    load_territories()
    town = find_municipality("Lecco (LC)")
    staff = User.objects.create_user("staff@bench.trama.it", is_staff=True)
    rup = User.objects.create_user("rup@bench.trama.it")
    comune = create_organization(
        by=rup,
        name="Comune di Lecco",
        kind="PUBLIC_BODY",
        public_body_type="MUNICIPALITY",
        legal_form="PUBLIC_ENTITY",
        tax_code="00623530136",
        municipality=town,
    )
    comune = verify_organization(comune, by=staff)
    program = create_program(
        by=rup, owner=comune, title="Programma", start_year=2026, end_year=2028
    )
    call = services.create_call(
        by=rup,
        program=program,
        title="Avviso di co-progettazione",
        description="Oggetto",
        deadline=timezone.now() + datetime.timedelta(days=30),
    )
    services.set_criteria(call, by=rup, criteria=[{"title": "Qualità", "max_points": 100}])
    call = services.publish_call(call, by=rup)
    users = User.objects.bulk_create(User(email=f"ets{i}@bench.trama.it") for i in range(n))
    bodies = Organization.objects.bulk_create(
        Organization(
            name=f"Cooperativa {i}",
            slug=f"cooperativa-{i}",
            kind="THIRD_SECTOR",
            legal_form="SOCIAL_COOPERATIVE",
            runts_number=str(100000 + i),
            municipality=town,
        )
        for i in range(n)
    )
    Membership.objects.bulk_create(
        Membership(organization=body, user=user, role="ADMIN")
        for body, user in zip(bodies, users, strict=True)
    )
    jobs = []
    started = time.perf_counter()
    for i, (body, user) in enumerate(zip(bodies, users, strict=True)):
        proposal = services.start_proposal(call, by=user, lead=body, title=f"Proposta {i}")
        services.update_proposal(
            proposal,
            by=user,
            sections={c.pk: f"Testo {i}" for c in call.criteria.all()},
            budget_total="1000.00",
        )
        services.add_budget_line(
            proposal,
            by=user,
            contributor=body,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=2026,
            description="Cofinanziamento",
            amount="1000.00",
        )
        services.attach_file(
            proposal,
            by=user,
            upload=SimpleUploadedFile(f"domanda-{i}.pdf", b"%PDF-1.7\n" + os.urandom(2048)),
        )
        _token, key = create_api_token(user, name="bench", scope="write")
        jobs.append((proposal.pk, key))
        if (i + 1) % 250 == 0:
            log(f"  {i + 1} proposals ready ({time.perf_counter() - started:.0f} s)")
    return {"call": call.pk, "jobs": jobs}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _client(base, jobs: queue.Queue, results: list, lock: threading.Lock) -> None:
    session = requests.Session()
    while True:
        try:
            proposal_id, key = jobs.get_nowait()
        except queue.Empty:
            return
        started = time.perf_counter()
        response = session.post(
            f"{base}/api/v1/proposals/{proposal_id}/submit",
            headers={"Authorization": f"Bearer {key}", "X-Forwarded-Proto": "https"},
            timeout=60,
        )
        elapsed = (time.perf_counter() - started) * 1000
        try:
            body = response.json()
        except ValueError:
            body = {"raw": response.text[:200]}
        with lock:
            results.append((proposal_id, response.status_code, body, elapsed))


def run(
    *,
    database_url=DEFAULT_DATABASE_URL,
    proposals=1000,
    clients=16,
    workers=4,
    deadline_after=5.0,
    output=None,
    log=print,
) -> dict:
    """Prepare, submit over HTTP, check; write and return the results."""
    recreate_database(database_url)
    media = tempfile.mkdtemp(prefix="trama-bench-media-")
    with using_database(database_url):
        call_command("migrate", verbosity=0, interactive=False)
        log(f"Preparing {proposals} proposals…")
        prepared = _prepare(proposals, log)
    config = database_config(database_url)
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="trama.settings",
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        PRIVATE_MEDIA_ROOT=media,
        TASK_BACKEND="database",
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "trama.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(
                    base + "/api/v1/calls", timeout=5, headers={"X-Forwarded-Proto": "https"}
                )
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        jobs = queue.Queue()
        for job in prepared["jobs"]:
            jobs.put(job)
        results, lock = [], threading.Lock()
        threads = [
            threading.Thread(target=_client, args=(base, jobs, results, lock))
            for _ in range(clients)
        ]
        deadline = timezone.now() + datetime.timedelta(seconds=deadline_after)
        with psycopg.connect(conninfo(config, config["NAME"]), autocommit=True) as conn:
            conn.execute(
                "UPDATE procedures_procedure SET deadline = %s WHERE id = %s",
                [deadline, prepared["call"]],
            )
        log(
            f"Submitting from {clients} clients to gunicorn ({workers} workers); "
            f"deadline in {deadline_after} s…"
        )
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    with using_database(database_url):
        checks = _check(results, prepared["call"], deadline)
    accepted = [r for r in results if r[1] == 200]
    latencies = sorted(r[3] for r in results)
    accepted_latencies = sorted(r[3] for r in accepted)

    def pct(values, p):
        return round(values[min(len(values) - 1, int(len(values) * p))], 1) if values else None

    report = {
        "proposals": proposals,
        "clients": clients,
        "gunicorn_workers": workers,
        "deadline_after_s": deadline_after,
        "wall_s": round(wall, 2),
        "accepted": len(accepted),
        "refused_after_deadline": checks["refused_deadline"],
        "accepted_per_s": round(len(accepted) / min(wall, deadline_after), 1),
        "requests_per_s": round(len(results) / wall, 1),
        "latency_ms": {
            "median": round(statistics.median(latencies), 1) if latencies else None,
            "p95": pct(latencies, 0.95),
            "max": round(latencies[-1], 1) if latencies else None,
        },
        "accepted_latency_ms": {
            "median": round(statistics.median(accepted_latencies), 1)
            if accepted_latencies
            else None,
            "p95": pct(accepted_latencies, 0.95),
        },
        "checks": checks,
        "machine": {"cpus": os.cpu_count(), "when": timezone.now().isoformat(timespec="seconds")},
    }
    path = Path(output or ROOT / "benchmarks" / "submissions.json")
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    log(json.dumps(report, indent=2))
    return report


def _check(results, call_id, deadline) -> dict:
    statuses = {}
    for _pk, status, _body, _ms in results:
        statuses[status] = statuses.get(status, 0) + 1
    accepted = {pk: body for pk, status, body, _ms in results if status == 200}
    refused = {pk: body for pk, status, body, _ms in results if status != 200}
    receipts = {r.proposal_id: r for r in Receipt.objects.filter(proposal__procedure=call_id)}
    numbers = [body.get("number") for body in accepted.values()]
    hashes = [body.get("sha256") for body in accepted.values()]
    stored_match = all(
        pk in receipts
        and receipts[pk].number == body["number"]
        and receipts[pk].sha256
        == body["sha256"]
        == hashlib.sha256(receipts[pk].canonical_json.encode()).hexdigest()
        for pk, body in accepted.items()
    )
    refused_codes = {body.get("error", {}).get("code") for body in refused.values()}
    drafts = set(
        Proposal.objects.filter(pk__in=list(refused), state="DRAFT").values_list("pk", flat=True)
    )
    latest = max((r.issued_at for r in receipts.values()), default=None)
    checks = {
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "no_server_errors": not any(status >= 500 for status in statuses),
        "every_submission_answered": len(results) == len(accepted) + len(refused),
        "distinct_receipt_numbers": len(set(numbers)) == len(numbers),
        "distinct_receipt_hashes": len(set(hashes)) == len(hashes),
        "every_accepted_receipt_stored": stored_match and len(receipts) == len(accepted),
        "none_accepted_after_deadline": latest is None or latest <= deadline,
        "refusals_are_deadline_passed": refused_codes <= {"deadline_passed"},
        "refused_proposals_stay_drafts": drafts == set(refused),
        "refused_deadline": len(refused),
        "deadline": deadline.isoformat(),
        "last_receipt_at": latest.isoformat() if latest else None,
    }
    checks["ok"] = all(
        checks[k]
        for k in (
            "no_server_errors",
            "every_submission_answered",
            "distinct_receipt_numbers",
            "distinct_receipt_hashes",
            "every_accepted_receipt_stored",
            "none_accepted_after_deadline",
            "refusals_are_deadline_passed",
            "refused_proposals_stay_drafts",
        )
    )
    return checks
