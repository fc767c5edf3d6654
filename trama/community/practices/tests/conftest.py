import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from trama.accounts.services import create_api_token
from trama.community.practices import services
from trama.community.tests.conftest import join, lombardia  # noqa: F401 - a fixture
from trama.ledger.tests import factories

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"


def pdf(name="modello.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def sheet(by, *, actors, **fields):
    """A practice sheet with the fields a test does not care about filled in."""
    return services.create_practice(
        by=by,
        **{
            "title": "Welfare comunitario a Lecco",
            "year_from": 2006,
            "year_to": 2016,
            "phases": ["co_design"],
            "actors": actors,
            **fields,
        },
    )


@pytest.fixture
def members(personas):
    """alice (Comune di Lecco), tom (consortium and coop) and pat (coop) join; oscar doesn't."""
    for user in (personas.alice, personas.tom, personas.pat):
        join(user)
    return personas


@pytest.fixture
def program(personas):
    return factories.lecco_program(personas)


@pytest.fixture
def token_for(db):
    """token_for(user, scope): the headers of a new personal API token of `user`."""

    def make(user, scope="read"):
        _token, key = create_api_token(user, name=f"{scope} token", scope=scope)
        return {"Authorization": f"Bearer {key}"}

    return make
