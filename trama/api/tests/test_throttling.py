"""Throttles: per personal token, and per IP address without one; 429 with Retry-After."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

REGIONS = "/api/v1/territories/regions"
ME = "/api/v1/me"
LOW = {"token": "2/m", "anon": "3/m"}


@pytest.fixture
def low_rates(db):
    cache.clear()
    with override_settings(API_THROTTLE_RATES=LOW):
        yield
    cache.clear()


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert response.json()["error"]["code"] == "throttled"
    assert response.json()["error"]["message"]
    assert 0 < int(response["Retry-After"]) <= 60


def test_it_throttles_requests_without_a_token_per_ip_address(low_rates, client):
    for _ in range(3):
        assert client.get(REGIONS).status_code == 200

    assert_throttled(client.get(REGIONS))
    # Another address has its own count.
    assert client.get(REGIONS, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_it_throttles_each_token_on_its_own(low_rates, client, personas, token_for):
    first, second = token_for(personas.alice), token_for(personas.alice)
    for _ in range(2):
        assert client.get(ME, headers=first).status_code == 200

    assert_throttled(client.get(ME, headers=first))
    assert client.get(ME, headers=second).status_code == 200
    # The token's count is not the address's: the same client without a token still reads.
    assert client.get(REGIONS).status_code == 200


def test_the_count_starts_again_after_the_period(
    low_rates, client, personas, token_for, time_machine
):
    headers = token_for(personas.alice)
    time_machine.move_to(time.time(), tick=False)
    for _ in range(2):
        client.get(ME, headers=headers)
    assert client.get(ME, headers=headers).status_code == 429

    time_machine.shift(61)

    assert client.get(ME, headers=headers).status_code == 200


def _free_port() -> int:
    for port in range(8112, 8120):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free port for a Redis server")


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(50):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


ANOTHER_PROCESS = """
import django
django.setup()
from django.test import Client
print(Client().get("/api/v1/territories/regions").status_code)
"""


def test_processes_share_the_count_through_redis(db, client, redis_url):
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    with override_settings(CACHES=caches, API_THROTTLE_RATES=LOW):
        for _ in range(3):
            assert client.get(REGIONS).status_code == 200

        # Another process, as another gunicorn worker would be: the throttle answers before
        # the view, so it needs no database.
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "trama.settings",
            "DEBUG": "1",
            "ALLOWED_HOSTS": "testserver",
            "REDIS_URL": redis_url,
            "API_THROTTLE_ANON_RATE": LOW["anon"],
        }
        other = subprocess.run(
            [sys.executable, "-c", ANOTHER_PROCESS],
            cwd=Path(settings.BASE_DIR),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert other.stdout.strip().splitlines()[-1] == "429", other.stderr


def test_a_malformed_rate_stops_the_start_naming_the_variable():
    env = {**os.environ, "DEBUG": "1", "API_THROTTLE_TOKEN_RATE": "many/minute"}

    result = subprocess.run(
        [sys.executable, "-c", "import trama.settings"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "API_THROTTLE_TOKEN_RATE='many/minute' is not a rate" in result.stderr
