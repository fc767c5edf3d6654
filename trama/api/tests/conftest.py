"""API test helpers: personal tokens and valid Italian tax codes for bulk rows."""

import pytest
from stdnum import luhn

from trama.accounts.services import create_api_token


def tax_code(n: int) -> str:
    """The n-th valid company tax code: 7 digits, a tax office (013, Como) and a Luhn digit."""
    base = f"{9000000 + n:07d}013"
    return base + luhn.calc_check_digit(base)


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def token_for(db):
    """token_for(user, scope) returns the headers that authenticate with a new personal token."""

    def make(user, scope="read"):
        _token, key = create_api_token(user, name=f"{scope} token", scope=scope)
        return bearer(key)

    return make
