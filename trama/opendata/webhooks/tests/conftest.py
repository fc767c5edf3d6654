"""A real HTTP receiver on 127.0.0.1 that records what it gets and answers chosen codes."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# The procedures' scenario: the personas' bodies and a published call (alice is the RUP).
from trama.procedures.tests.conftest import bodies, call, complete_proposal, rome  # noqa: F401


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    requests: list = field(default_factory=list)
    # Codes to answer, in order; once used up, 200.
    codes: list = field(default_factory=list)

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def at(self, path):
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.DEBUG = True  # plain http to this machine is allowed while developing only

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers), body))
            code = state.codes.pop(0) if state.codes else 200
            answer = b"ok" if code < 400 else b"errore interno " + b"x" * 2000
            self.send_response(code)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
