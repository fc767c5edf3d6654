"""A shared cache of whole pages for anonymous visitors, versioned per scope.

A page names the scopes it shows (app labels: "procedures", "organizations", …). Each scope
has a version token in the cache; a cached page holds the tokens it was rendered under, so
bumping a scope (on every write to it, see pages/invalidation.py) makes every page that
shows it miss. Each process keeps the pages it served last, and, with Redis, the versions
it read, kept true by the announcements of every bump (lib/version_watch.py): a hit on a
page held here then costs no round trip; otherwise the versions, and the page if this
process doesn't hold it, come in one round trip. A page also expires when something it
shows changes with time alone (a
deadline passing): the view's `until` callable gives that moment, and the page is never
served after it. Only anonymous GETs with no pending message are cached; the CSRF token in
a cached page is replaced, on every hit, by one for the visitor's own cookie.

The cache is Django's default cache: Redis when REDIS_URL is set (shared by every web
process), local memory otherwise (`make run`, tests).
"""

import hashlib
import re
import threading
import uuid
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils import timezone
from django.utils.translation import get_language

from .redis_cache import SharedRedisCache
from .version_watch import VersionWatch

VERSION_PREFIX = "trama:scope:"
PAGE_PREFIX = "trama:page:"
# Ceiling on how long a page is kept, whatever happens: a missed invalidation can't last.
PAGE_SECONDS = 600
CSRF_MARK = b"@@trama-csrf-token@@"
_TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
_KEPT_HEADERS = ("Content-Type", "Content-Language")
# Each process also keeps the pages it served last: a hit then reads only the scopes'
# version tokens from the shared cache (a few bytes), not the page itself (tens of kB).
# A kept page is served only under the same versions and before its moment, exactly as
# one read from the shared cache, so this layer can't serve a page the shared one wouldn't.
LOCAL_PAGES = 200
_local: OrderedDict = OrderedDict()
_local_lock = threading.Lock()


def _keep(key, entry) -> None:
    with _local_lock:
        _local[key] = entry
        _local.move_to_end(key)
        while len(_local) > LOCAL_PAGES:
            _local.popitem(last=False)


def _kept(key):
    with _local_lock:
        return _local.get(key)


_watch_of_versions = None


def _watch():
    """The process's watch of the versions (lib/version_watch.py), with Redis only."""
    global _watch_of_versions
    if _watch_of_versions is None:
        backend = caches["default"]
        shared = isinstance(backend, SharedRedisCache)
        _watch_of_versions = VersionWatch(backend) if shared else False
    return _watch_of_versions or None


def _enabled() -> bool:
    return getattr(settings, "PAGE_CACHE", True)


def versions(scopes, found=None) -> str:
    """The current version tokens of `scopes` (created when missing), as one string.

    `found` holds what the caller already read from the cache, to save a round trip; without
    it, the versions this process knows (with Redis, see lib/version_watch.py) cost none.
    """
    keys = [VERSION_PREFIX + scope for scope in scopes]
    watch = None
    if found is None:
        watch = _watch()
        known = watch.read(keys) if watch else None
        if known:
            return ".".join(known)
        generation = watch.mark() if watch else 0
        found = cache.get_many(keys)
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            token = uuid.uuid4().hex
            # Another process may create it at the same moment: keep whichever came first.
            if not cache.add(key, token, None):
                token = cache.get(key, token)
        tokens.append(token)
    if watch:
        watch.remember(dict(zip(keys, tokens, strict=True)), generation)
    return ".".join(tokens)


def bump(*scopes) -> None:
    """Make every cached page showing one of `scopes` miss, now and when the commit lands.

    Bumping now keeps a reader in this process from reusing an old page; bumping again on
    commit drops a page that a concurrent reader rendered from the rows as they were
    before the commit and stored under the version of the first bump.
    """

    keys = [VERSION_PREFIX + scope for scope in scopes]
    watch = _watch()

    def renew():
        cache.set_many({key: uuid.uuid4().hex for key in keys}, None)
        if watch:
            watch.announce(keys)

    renew()
    transaction.on_commit(renew)


def _now() -> float:
    return timezone.now().timestamp()


def _cacheable(request) -> bool:
    return (
        _enabled()
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
    )


def _key(request) -> str:
    parts = [
        request.get_full_path(),
        get_language() or "",
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-Target", ""),
    ]
    return PAGE_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _mark_csrf(request, content: bytes) -> bytes | None:
    """Replace the visitor's CSRF tokens by a mark; None if a token could not be found."""
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return content
    secret = request.META.get("CSRF_COOKIE", "")
    found = 0

    def swap(match):
        nonlocal found
        if _unmask_cipher_token(match.group().decode()) == secret:
            found += 1
            return CSRF_MARK
        return match.group()

    marked = _TOKEN.sub(swap, content)
    return marked if found else None


def _store(request, response, key, version, until) -> dict | None:
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or "private" in response.get("Cache-Control", "")
        or getattr(request, "session", None) is not None
        and request.session.modified
        or getattr(getattr(request, "_messages", None), "_queued_messages", None)
    ):
        return None
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    content = _mark_csrf(request, response.content)
    seconds = min(PAGE_SECONDS, until - _now()) if until else PAGE_SECONDS
    if content is None or seconds < 1:
        return None
    entry = {
        "content": content,
        "headers": {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)},
        "until": _now() + seconds,
        "version": version,
    }
    cache.set(key, entry, int(seconds))
    return entry


def _replay(request, entry) -> HttpResponse:
    content = entry["content"]
    if CSRF_MARK in content:
        content = content.replace(CSRF_MARK, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in entry["headers"].items():
        response[name] = value
    return response


def cached_page(*scopes, until=None):
    """Cache a view's page for anonymous visitors until a write to `scopes` or `until`.

    `until(request, *args, **kwargs)` returns the next moment the page changes by time alone
    (or None); it is called only when the page is rendered.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _cacheable(request):
                return view(request, *args, **kwargs)
            key = _key(request)
            # A page is served only if it was rendered under the scopes' current versions
            # and its moment hasn't come. The versions always come from the shared cache;
            # the page from this process's copy when it has it, else in the same round trip.
            kept = _kept(key)
            version_keys = [VERSION_PREFIX + scope for scope in scopes]
            now = _now()
            watch = _watch()
            if kept and watch:
                # With the versions known here, a page held here is served with no round trip.
                known = watch.read(version_keys)
                if known and kept["version"] == ".".join(known) and kept["until"] > now:
                    return _replay(request, kept)
            generation = watch.mark() if watch else 0
            found = cache.get_many(version_keys if kept else [key, *version_keys])
            version = versions(scopes, found)
            if watch:
                watch.remember(dict(zip(version_keys, version.split("."), strict=True)), generation)
            for entry in (kept, found.get(key)):
                if entry and entry["version"] == version and entry["until"] > now:
                    if entry is not kept:
                        _keep(key, entry)
                    return _replay(request, entry)
            if kept:
                # This process's copy is stale: another process may have a fresh one.
                entry = cache.get(key)
                if entry and entry["version"] == version and entry["until"] > now:
                    _keep(key, entry)
                    return _replay(request, entry)
            response = view(request, *args, **kwargs)
            moment = until(request, *args, **kwargs) if until else None
            entry = _store(request, response, key, version, moment.timestamp() if moment else None)
            if entry is not None:
                _keep(key, entry)
            return response

        return wrapped

    return decorator
