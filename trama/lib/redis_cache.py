"""Django's Redis cache, with one client object per process instead of one per call.

Django builds a new redis-py client for every cache operation; building one (its response
callbacks, its argument checks) costs more than the round trip itself on a cached page. The
client is thread-safe and its connection pool already handles forks, so one is kept per pool.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ReusedClient(RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class SharedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient
