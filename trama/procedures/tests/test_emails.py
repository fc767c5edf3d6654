"""E-mails are plain text: what people typed reaches them as they typed it."""

from django.core import mail

from trama.procedures import services

from .conftest import complete_proposal


def test_a_receipt_names_the_call_without_html_escaping(
    bodies, call, django_capture_on_commit_callbacks
):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_proposal(proposal, by=bodies.tom)
    [receipt] = mail.outbox
    assert "Co-progettazione servizi per l'abitare" in receipt.body
    assert "&#x27;" not in receipt.body + receipt.subject
