"""The accounts' admin pages work for staff, who can't take over an account or a token."""

import pytest
from django.urls import reverse

from trama.accounts.models import ApiToken
from trama.accounts.services import create_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(personas, client_for):
    """Sam with every permission, as the demo's platform staff has."""
    personas.sam.is_superuser = True
    personas.sam.save(update_fields=["is_superuser"])
    return client_for(personas.sam)


def _admin_url(label, view, *args):
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{view}", args=args)


def test_the_account_admin_pages_load_with_their_search(staff, personas):
    token, _key = create_api_token(personas.tom, name="Gestionale", scope="read")
    for label, obj in (("accounts.user", personas.pat), ("accounts.apitoken", token)):
        assert staff.get(_admin_url(label, "changelist"), {"q": "tom"}).status_code == 200
        assert staff.get(_admin_url(label, "changelist")).status_code == 200
        assert staff.get(_admin_url(label, "change", obj.pk)).status_code == 200


def test_staff_cannot_take_over_an_account_or_a_token(staff, personas):
    pat = personas.pat
    password = reverse("admin:auth_user_password_change", args=[pat.pk])
    assert staff.get(password).status_code == 403
    assert staff.post(password, {"password1": "x" * 20, "password2": "x" * 20}).status_code == 403
    assert (
        staff.get(reverse("admin:auth_user_password_change", args=[personas.sam.pk])).status_code
        == 200
    )
    assert staff.post(_admin_url("accounts.user", "delete", pat.pk)).status_code == 403
    token, _key = create_api_token(personas.tom, name="Gestionale", scope="read")
    assert (
        staff.post(
            _admin_url("accounts.apitoken", "change", token.pk), {"scope": "write"}
        ).status_code
        == 403
    )
    staff.post(
        _admin_url("accounts.apitoken", "changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token = ApiToken.objects.get(pk=token.pk)
    assert token.scope == "read" and token.revoked_at is not None
