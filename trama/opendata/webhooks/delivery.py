"""One HTTP request to an integrator: signed, short, never to a private network.

The signature is HMAC-SHA256, keyed with the subscription's secret, of
`"<X-Trama-Timestamp>.<body>"`: the receiver recomputes it and checks the timestamp is recent,
so a captured request can't be replayed later.
"""

import hashlib
import hmac
import ipaddress
import json
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

# Timeouts (connect, read), in seconds: an integrator answers at once and works later.
TIMEOUT = (3, 5)
RESPONSE_EXCERPT = 500


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: int | None
    excerpt: str


class BlockedAddress(Exception):
    pass


def check_address(url: str) -> None:
    """Refuse a host that resolves to loopback, private or reserved addresses.

    WEBHOOKS_ALLOW_PRIVATE_NETWORKS opens them (a regional portal on an internal network;
    the tests' receiver on 127.0.0.1). Redirects are never followed, so a public address
    can't send the request on to a private one.
    """
    if settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        return
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise BlockedAddress(_("The address's host name does not resolve.")) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise BlockedAddress(_("The address points to a private or reserved network."))


def post(url: str, *, secret: str, kind: str, delivery_id: str, timestamp: str, payload: dict):
    """POST the payload; any 2xx is a success, anything else (redirects too) a failure."""
    body = encode(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Trama-Webhooks/1",
        "X-Trama-Event": kind,
        "X-Trama-Delivery": delivery_id,
        "X-Trama-Timestamp": timestamp,
        "X-Trama-Signature": sign(secret, timestamp, body),
    }
    try:
        check_address(url)
        response = requests.post(
            url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False, stream=True
        )
    except BlockedAddress as exc:
        return Outcome(False, None, str(exc))
    except requests.Timeout:
        return Outcome(False, None, _("No answer within %(seconds)s seconds.") % {"seconds": 5})
    except requests.exceptions.SSLError:
        return Outcome(False, None, _("The receiver's TLS certificate was not accepted."))
    except requests.ConnectionError as exc:
        if "NameResolutionError" in repr(exc) or "Name or service not known" in str(exc):
            return Outcome(
                False, None, _("The receiver's host name does not resolve: check the address.")
            )
        return Outcome(
            False, None, _("The receiver could not be reached: the connection was refused or lost.")
        )
    except requests.RequestException as exc:
        # Another fault of the request: named by its kind, not by the library's long text.
        return Outcome(
            False,
            None,
            _("The request could not be sent (%(kind)s).") % {"kind": type(exc).__name__},
        )
    with response:
        # Read only the start: a receiver's answer is logged, not stored whole.
        raw = response.raw.read(RESPONSE_EXCERPT, decode_content=True) or b""
    excerpt = raw.decode("utf-8", "replace")[:RESPONSE_EXCERPT]
    return Outcome(200 <= response.status_code < 300, response.status_code, excerpt)
