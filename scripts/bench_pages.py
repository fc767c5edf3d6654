"""Page throughput against a no-op Django view served the same way (`make bench-pages`).

Fills a database of its own (trama_bench_pages, dropped and recreated) with the demo data,
starts gunicorn (DEBUG=0, 2 workers, Redis cache) with the benchmark's URLconf
(trama/urls_bench.py: the site plus two no-op views), and measures each page with wrk (16
connections, median of three runs). Anonymous pages are compared with the plain no-op view
(target ≥ 50 %), a signed-in persona's pages with the no-op view behind the project's
middleware and login (target ≥ 20 %). Results: benchmarks/pages.json.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PAGES_PORT", "8120"))
DATABASE = os.environ.get("BENCH_PAGES_DATABASE", "trama_bench_pages")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = os.environ.get("BENCH_PAGES_REDIS_URL", "redis://127.0.0.1:6379/3")
SECONDS = int(os.environ.get("BENCH_PAGES_SECONDS", "8"))
RUNS = 3
CONNECTIONS = 16
SECRET = "bench-pages-" + "x" * 60
ENV = {
    **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")},
    "DJANGO_SETTINGS_MODULE": "trama.settings",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "SECRET_KEY": SECRET,
    "ALLOWED_HOSTS": "127.0.0.1",
    "ROOT_URLCONF": "trama.urls_bench",
    "TASK_BACKEND": "database",
    # Persistent database connections, as in production: without them every signed-in
    # request (and every page rendered) opens a PostgreSQL connection first.
    "DATABASE_CONN_MAX_AGE": "60",
    # The benchmark measures pages, not the throttles: 16 connections exceed any sane rate.
    "API_THROTTLE_TOKEN_RATE": "1000000/m",
    "API_THROTTLE_ANON_RATE": "1000000/m",
}


def prepare() -> dict:
    """Fresh database with the demo data; a session and an API token for a persona."""
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    env = {**ENV, "DEBUG": "1", "DEMO_MODE": "1"}
    for command in (["migrate", "-v0"], ["load_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from trama.accounts.services import create_api_token
    from trama.organizations.models import Organization
    from trama.procedures.access import member_proposals
    from trama.procedures.models import Procedure
    from trama.procedures.services import start_proposal
    from trama.programs.models import Program

    settings.ALLOWED_HOSTS = ["*"]
    user = get_user_model().objects.get(email="ets@demo.trama.it")
    client = Client()
    client.force_login(user)
    _token, key = create_api_token(user, name="bench", scope="read")
    program = Program.objects.order_by("pk").first()
    call = Procedure.objects.public().order_by("-deadline", "pk").first()
    proposal = member_proposals(user).order_by("pk").first()
    if proposal is None:
        # The demo persona has none: a draft on the open call, as the persona would start it.
        open_call = Procedure.objects.public().open_calls().order_by("deadline", "pk").first()
        lead = Organization.objects.administered_by(user).order_by("pk").first()
        proposal = start_proposal(open_call, by=user, lead=lead, title="Proposta di prova")
    return {
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "token": key,
        "program": f"/programmi/{program.slug}/",
        "call": f"/avvisi/{call.pk}/",
        "proposal": f"/proposte/{proposal.pk}/" if proposal else None,
    }


def wrk(path: str, headers: dict) -> float:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    for name, value in {"X-Forwarded-Proto": "https", **headers}.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*args, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"{path}: non-2xx responses\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def measure(path, headers) -> dict:
    # A first short request warms the worker (and the page cache, like any visitor would).
    check(path, headers)
    runs = [wrk(path, headers) for _ in range(RUNS)]
    return {"path": path, "runs": runs, "median_rps": round(statistics.median(runs), 1)}


def check(path, headers):
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", headers={"X-Forwarded-Proto": "https", **headers}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")


def main():
    prepared = prepare()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "trama.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env={**ENV, "DEBUG": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                check("/bench/noop/", {})
                break
            except OSError:
                time.sleep(0.1)
        cookie = {"Cookie": f"sessionid={prepared['session']}"}
        bearer = {"Authorization": f"Bearer {prepared['token']}"}
        anonymous = {
            "home": "/",
            "open calls": "/avvisi/",
            "organisation directory": "/enti/",
            "program dashboard": prepared["program"],
            "call page": prepared["call"],
        }
        signed_in = {
            "personal area (task list)": ("/area-personale/", cookie),
            "program dashboard": (prepared["program"], cookie),
            "API: calls": ("/api/v1/calls", bearer),
            "API: programs": ("/api/v1/programs", bearer),
        }
        if prepared["proposal"]:
            signed_in["proposal"] = (prepared["proposal"], cookie)
        results = {"seconds_per_run": SECONDS, "runs": RUNS, "connections": CONNECTIONS}
        results["noop"] = measure("/bench/noop/", {})
        results["noop_signed_in"] = measure("/bench/noop-signed-in/", cookie)
        base, base_in = results["noop"]["median_rps"], results["noop_signed_in"]["median_rps"]
        results["anonymous"] = {}
        for name, path in anonymous.items():
            row = measure(path, {})
            row["ratio"] = round(row["median_rps"] / base, 3)
            results["anonymous"][name] = row
            print(f"anonymous {name}: {row['median_rps']} req/s, {row['ratio']:.0%} of no-op")
        results["signed_in"] = {}
        for name, (path, headers) in signed_in.items():
            row = measure(path, headers)
            row["ratio"] = round(row["median_rps"] / base_in, 3)
            results["signed_in"][name] = row
            print(f"signed in {name}: {row['median_rps']} req/s, {row['ratio']:.0%} of no-op")
    finally:
        server.terminate()
        server.wait()
    results["load_average"] = os.getloadavg()
    output = ROOT / "benchmarks" / "pages.json"
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"no-op {base} req/s, no-op signed in {base_in} req/s; results in {output}")


if __name__ == "__main__":
    main()
