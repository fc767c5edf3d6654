import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse

from trama.accounts.models import ApiToken, User
from trama.accounts.services import create_api_token
from trama.audit.models import AuditEvent
from trama.audit.services import chain_for, verify_chain
from trama.conftest import PASSWORD
from trama.organizations import services as org_services
from trama.organizations.models import Membership

pytestmark = pytest.mark.django_db


def test_signing_up_sends_the_verification_email_through_the_queue(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("account_signup"),
            {"email": "Nuova@Esempio.it", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    assert len(callbacks) >= 1  # the e-mail is enqueued only once the sign-up commits
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nuova@esempio.it"]
    assert "/account/confirm-email/" in mail.outbox[0].body
    # Not verified yet: signing in is refused until the link is opened.
    assert not User.objects.get(email="nuova@esempio.it").emailaddress_set.get().verified


def test_repeated_wrong_passwords_are_blocked(personas, client):
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": "tom@trama.test", "password": "sbagliata"})
        assert response.status_code == 200
    # The sixth attempt is refused even with the right password.
    response = client.post(url, {"login": "tom@trama.test", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.for_chain(chain_for(personas.tom)).filter(
        action="account.login_failed"
    )
    assert failures.count() >= 5


def test_the_right_password_signs_in_and_is_audited(personas, client):
    response = client.post(
        reverse("account_login"), {"login": "tom@trama.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert (
        AuditEvent.objects.for_chain(chain_for(personas.tom))
        .filter(action="account.login")
        .exists()
    )


def test_an_organisation_can_require_two_factor_authentication(personas, client_for):
    client = client_for(personas.pat)
    assert client.get(reverse("pages:dashboard")).status_code == 200
    org_services.set_require_2fa(personas.coop, by=personas.tom, required=True)
    response = client.get(reverse("pages:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # Signing out and the 2FA pages themselves stay reachable.
    assert client.get(reverse("mfa_index")).status_code == 200
    Authenticator.objects.create(user=personas.pat, type=Authenticator.Type.TOTP, data={})
    assert client.get(reverse("pages:dashboard")).status_code == 200
    # Members of other organisations are not affected.
    assert client_for(personas.alice).get(reverse("pages:dashboard")).status_code == 200


def test_only_the_admin_sets_the_two_factor_policy(personas, client_for):
    url = reverse("organizations:security", args=[personas.coop.slug])
    assert client_for(personas.pat).post(url, {"require_2fa": "on"}).status_code == 403
    assert client_for(personas.tom).post(url, {"require_2fa": "on"}).status_code == 302
    personas.coop.refresh_from_db()
    assert personas.coop.require_2fa


def test_deleting_an_account_pseudonymises_and_keeps_the_trail(personas, client_for):
    org_services.invite_member(personas.coop, by=personas.pat, email="someone@coop.it")
    token, _key = create_api_token(personas.pat, name="script", scope="read")
    client = client_for(personas.pat)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    pat = User.objects.get(pk=personas.pat.pk)
    assert pat.email.endswith("@deleted.invalid") and not pat.first_name and not pat.is_active
    assert not pat.has_usable_password()
    assert not Membership.objects.filter(user=pat).exists()
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    # The organisation's trail still names the same (now pseudonymous) actor, and still verifies.
    event = AuditEvent.objects.for_chain(chain_for(personas.coop)).get(action="invitation.sent")
    assert event.actor_id == pat.pk and str(event.actor) == f"Utente eliminato n. {pat.pk}"
    assert verify_chain(chain_for(personas.coop)).ok
    assert verify_chain(chain_for(pat)).ok
    # The person can no longer sign in.
    assert "_auth_user_id" not in client.session


def test_deleting_needs_the_password(personas, client_for):
    response = client_for(personas.pat).post(
        reverse("accounts:delete"), {"password": "sbagliata", "confirm": "on"}
    )
    assert response.status_code == 400
    assert User.objects.get(pk=personas.pat.pk).is_active


def test_the_only_admin_cannot_delete_the_account(personas, client_for):
    response = client_for(personas.tom).post(
        reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 400
    assert "Consorzio Lario" in response.content.decode()
    assert User.objects.get(pk=personas.tom.pk).is_active


def test_a_token_is_shown_once_and_can_be_revoked(personas, client_for):
    client = client_for(personas.tom)
    response = client.post(reverse("accounts:tokens"), {"name": "Cruscotto", "scope": "write"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=personas.tom)
    body = response.content.decode()
    assert ApiToken.PREFIX in body and token.hint in body
    assert ApiToken.PREFIX not in client.get(reverse("accounts:tokens")).content.decode()
    response = client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Someone else's token is not theirs to revoke.
    other, _ = create_api_token(personas.pat, name="x", scope="read")
    assert client.post(reverse("accounts:revoke_token", args=[other.pk])).status_code == 404


def test_a_token_needs_a_name(personas, client_for):
    response = client_for(personas.tom).post(
        reverse("accounts:tokens"), {"name": "", "scope": "read"}
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_profile_saves_the_name(personas, client_for):
    client = client_for(personas.oscar)
    client.post(reverse("accounts:profile"), {"first_name": "Oscar", "last_name": "Wilde"})
    assert User.objects.get(pk=personas.oscar.pk).last_name == "Wilde"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/enti/",
        "/privacy/",
        "/accessibilita/",
        "/account/login/",
        "/account/signup/",
        "/account/password/reset/",
    ],
)
def test_public_pages_open_without_an_account(client, url):
    assert client.get(url).status_code == 200


def test_an_unknown_page_is_a_friendly_404(client):
    response = client.get("/pagina-che-non-esiste/")
    assert response.status_code == 404
    assert "Pagina non trovata" in response.content.decode()


def test_pages_open_in_italian_whatever_the_browser_asks(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="it">' in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="it")
    assert '<html lang="en">' in response.content.decode()
