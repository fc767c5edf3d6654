"""The production start documented in the README: gunicorn, whitenoise, PostgreSQL, a worker."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection

from trama.accounts.models import User

ROOT = Path(settings.BASE_DIR)
SECRET = "p" * 20 + "-production-test-secret-key-" + "q" * 20


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    db = connection.settings_dict
    env.update(
        DJANGO_SETTINGS_MODULE="trama.settings",
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        TASK_BACKEND="database",
        OPENDATA_PUBLISHER_ID="c_e507",  # the Comune di Lecco's IPA code
        OPENDATA_CONTACT_EMAIL="opendata@comune.lecco.it",
        **extra,
    )
    return env


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_settings_fail_loudly_on_missing_or_malformed_values():
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    code = "import trama.settings"
    missing = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DEBUG": "0"},
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "SECRET_KEY" in missing.stderr
    malformed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DEBUG": "maybe"},
        capture_output=True,
        text=True,
    )
    assert malformed.returncode != 0 and "DEBUG='maybe' is not a boolean" in malformed.stderr
    bad_int = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DEBUG": "1", "DATABASE_CONN_MAX_AGE": "forever"},
        capture_output=True,
        text=True,
    )
    assert bad_int.returncode != 0 and "DATABASE_CONN_MAX_AGE" in bad_int.stderr


def test_the_deployment_checklist_is_clean_with_debug_off():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_checklist_asks_for_the_catalogues_publisher():
    env = _env()
    del env["OPENDATA_PUBLISHER_ID"], env["OPENDATA_CONTACT_EMAIL"]
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "catalogue.W001" in output and "OPENDATA_PUBLISHER_ID" in output
    assert "OPENDATA_CONTACT_EMAIL" in output


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_pages_and_static_files_and_the_worker_sends_email(tmp_path):
    user = User.objects.create_user("operatrice@comune.it", "una-password-lunga-2026")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    mail_dir = tmp_path / "mail"
    env = _env(
        STATIC_ROOT=str(tmp_path / "static"),
        EMAIL_BACKEND="filebased",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    collected = _manage("collectstatic", "--noinput", "-v0", env=env)
    assert collected.returncode == 0, collected.stderr

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
            "2",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.5"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    # Behind the TLS-terminating proxy the README describes.
    proxy = {"X-Forwarded-Proto": "https"}
    try:
        for _ in range(100):
            try:
                home = requests.get(base + "/", headers=proxy, timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        assert home.status_code == 200
        assert "Trama" in home.text
        assert home.headers["Strict-Transport-Security"].startswith("max-age=")

        # Plain HTTP is redirected to HTTPS.
        plain = requests.get(base + "/", allow_redirects=False, timeout=5)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")

        css = requests.get(base + "/static/css/bootstrap-italia.min.css", headers=proxy, timeout=5)
        assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]
        assert "max-age" in css.headers.get("Cache-Control", "")

        # A password reset queues an e-mail; the worker sends it.
        form = requests.get(base + "/account/password/reset/", headers=proxy, timeout=5)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        cookie = form.cookies.get("csrftoken") or re.search(
            r"csrftoken=([^;]+)", form.headers["Set-Cookie"]
        ).group(1)
        sent = requests.post(
            base + "/account/password/reset/",
            data={"csrfmiddlewaretoken": token, "email": "operatrice@comune.it"},
            headers={
                **proxy,
                "Cookie": f"csrftoken={cookie}",
                "Referer": f"https://127.0.0.1:{port}/account/password/reset/",
            },
            allow_redirects=False,
            timeout=10,
        )
        assert sent.status_code == 302, sent.text[:500]
        for _ in range(120):
            files = list(mail_dir.glob("*.log")) if mail_dir.exists() else []
            if files:
                break
            time.sleep(0.25)
        else:
            pytest.fail("the worker did not send the queued e-mail")
        message = files[0].read_text()
        assert "To: operatrice@comune.it" in message
        assert "/account/password/reset/key/" in message
    finally:
        for process in (server, worker):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
