"""The shared Redis cache keeps one client per process and works as Django's."""

import os

import pytest

from trama.lib.redis_cache import SharedRedisCache

URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture
def redis_cache():
    cache = SharedRedisCache(URL, {"KEY_PREFIX": "trama-test-redis-cache"})
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
