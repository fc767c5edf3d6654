import hashlib
import json

import pytest

from trama.lib.tests.signing import make_pdf


@pytest.fixture
def real_pdf():
    """Ask for this fixture to have the agreement's PDF rendered by WeasyPrint."""
    return True


@pytest.fixture(autouse=True)
def quick_pdf(request, monkeypatch):
    """WeasyPrint takes seconds per version: tests get a small real PDF naming the content's
    hash instead, except those using the `real_pdf` fixture, which render the template."""
    if "real_pdf" in request.fixturenames:
        return

    def render(content, *, issued_at=None):
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        return make_pdf(f"Convenzione v{content['number']} {digest[:16]}")

    monkeypatch.setattr("trama.agreements.services.signing.render_pdf", render)
