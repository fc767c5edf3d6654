"""The shared Redis cache keeps one client per process and works as Django's."""

import os
import time

import pytest

from trama.lib.redis_cache import SharedRedisCache
from trama.lib.version_watch import VersionWatch

URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
# A prefix of this process's own: parallel test workers share the Redis server.
PREFIX = f"trama-test-redis-cache-{os.getpid()}"


@pytest.fixture
def redis_cache():
    cache = SharedRedisCache(URL, {"KEY_PREFIX": PREFIX})
    try:
        cache.set("probe", 1, 5)
    except Exception as exc:  # noqa: BLE001 - no Redis here: nothing to test
        pytest.skip(f"no Redis at {URL}: {exc}")
    yield cache
    cache.delete_many(["probe", "a", "b"])


def test_it_reads_and_writes_through_one_client(redis_cache):
    redis_cache.set_many({"a": b"page", "b": "token"}, 30)
    assert redis_cache.get_many(["a", "b", "missing"]) == {"a": b"page", "b": "token"}
    assert redis_cache.add("a", "other") is False
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client() is client


def _until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_a_version_known_here_is_dropped_when_another_process_bumps_it(redis_cache):
    here = VersionWatch(redis_cache)
    there = VersionWatch(SharedRedisCache(URL, {"KEY_PREFIX": PREFIX}))
    assert here.read(["a"]) is None  # nothing trusted before the subscription is confirmed
    assert _until(lambda: here.live)
    here.remember({"a": "v1"}, here.mark())
    assert here.read(["a"]) == ["v1"]
    there.announce(["a"])
    assert _until(lambda: here.read(["a"]) is None)


def test_a_version_read_while_a_bump_was_announced_is_not_kept(redis_cache):
    here = VersionWatch(redis_cache)
    assert here.read(["b"]) is None and _until(lambda: here.live)
    before_the_read = here.mark()
    here.announce(["b"])  # a bump lands while this process was reading the old version
    here.remember({"b": "old"}, before_the_read)
    assert here.read(["b"]) is None
