"""This process's copy of the page cache's scope versions, kept true by Redis pub/sub.

A cached page is served only under its scopes' current versions, which live in Redis: read
naively, every hit costs a round trip even when the page itself is held in this process.
Instead, each process subscribes to the channel on which every bump is announced and keeps
the versions it read; an announcement drops the versions it names. The copy is trusted only
while the subscription is up: before it is confirmed, after any error and until it is
confirmed again, every read goes to Redis as before.

A version read from Redis is kept only if no announcement arrived while it was being read
(a generation counter), so a bump racing with the read can't leave an old version behind.
Between a bump and its announcement reaching this process there is the latency of one
message on the local network, as between any two readers of Redis.
"""

import os
import threading
import time

CHANNEL = "trama:scope-bumps"
# How long the listener waits for a message before pinging Redis: a connection that died
# silently is found within about twice this.
PING_SECONDS = 5


class VersionWatch:
    def __init__(self, backend):
        self.backend = backend  # a SharedRedisCache
        self.tokens: dict[str, str] = {}
        self.generation = 0
        self.live = False
        self._lock = threading.Lock()
        self._pid = None

    def _client(self):
        return self.backend._cache.get_client(write=True)

    def _start(self) -> None:
        """Listen in this process (after a fork, the parent's thread is gone)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._forget()
        threading.Thread(target=self._listen, name="trama-version-watch", daemon=True).start()

    def _forget(self, live: bool = False) -> None:
        self.tokens = {}
        self.generation += 1
        self.live = live

    def _listen(self) -> None:
        while True:
            try:
                pubsub = self._client().pubsub()
                pubsub.subscribe(CHANNEL)
                while True:
                    message = pubsub.get_message(timeout=PING_SECONDS)
                    if message is None:
                        pubsub.ping()
                    elif message["type"] == "subscribe":
                        with self._lock:
                            self._forget(live=True)
                    elif message["type"] == "message":
                        keys = message["data"].decode().split(",")
                        with self._lock:
                            for key in keys:
                                self.tokens.pop(key, None)
                            self.generation += 1
            except Exception:  # noqa: BLE001 - any failure: stop trusting the copy, retry
                with self._lock:
                    self._forget()
                time.sleep(1)

    def read(self, keys) -> list[str] | None:
        """The versions of `keys` if all are known and trusted, else None (ask Redis)."""
        self._start()
        if not self.live:
            return None
        tokens = self.tokens
        try:
            return [tokens[key] for key in keys]
        except KeyError:
            return None

    def mark(self) -> int:
        """Call before reading versions from Redis; pass the result to `remember`."""
        self._start()
        return self.generation

    def remember(self, values: dict, generation: int) -> None:
        with self._lock:
            if self.live and generation == self.generation:
                self.tokens.update(values)

    def announce(self, keys) -> None:
        """Tell every process (this one included) that `keys` changed."""
        with self._lock:
            for key in keys:
                self.tokens.pop(key, None)
            self.generation += 1
        self._client().publish(CHANNEL, ",".join(keys))
