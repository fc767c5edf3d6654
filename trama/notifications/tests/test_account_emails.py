"""The sign-up e-mail names the site and links to the confirmation, in text and HTML."""

import re

import pytest
from django.core import mail

from .helpers import html_of

pytestmark = pytest.mark.django_db


def test_the_signup_email_names_trama_and_its_link_confirms(
    client, django_capture_on_commit_callbacks
):
    # Whatever else the sign-up form asks (a name), it gets a plausible answer.
    form = client.get("/account/signup/").context["form"]
    data = {name: "Nuova Persona" for name in form.fields}
    data.update(
        email="nuova@trama.test",
        password1="una-password-lunga-2026",
        password2="una-password-lunga-2026",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/signup/", data)
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject.startswith("[Trama] ")
    assert "da !" not in message.body and "usare !" not in message.body
    assert "127.0.0.1:8000" in message.body and "Trama" in message.body
    link = re.search(r"http://testserver(/account/confirm-email/\S+)", message.body).group(1)
    assert link in html_of(message)
    assert client.get(link).status_code == 200
