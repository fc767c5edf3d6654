"""Throttles: per personal token, and per IP address for requests without one.

Their history lives in the default cache: local memory in one process, Redis (REDIS_URL)
when several web processes must share it. Rates come from settings.API_THROTTLE_RATES,
read at each request so that tests can change them.
"""

from django.conf import settings
from ninja.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    def __init__(self):  # the rate is read per request, not at import
        self.rate = None

    def allow_request(self, request) -> bool:
        self.rate = settings.API_THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class TokenThrottle(_SettingsRateThrottle):
    """Requests authenticated with a personal token, counted per token."""

    scope = "token"

    def get_cache_key(self, request):
        token = getattr(request, "api_token", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class AddressThrottle(_SettingsRateThrottle):
    """Requests without a token, counted per client IP address (NINJA_NUM_PROXIES says
    which X-Forwarded-For entry is the client's behind a proxy)."""

    scope = "anon"

    def get_cache_key(self, request):
        if getattr(request, "api_token", None) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


THROTTLES = [TokenThrottle(), AddressThrottle()]
