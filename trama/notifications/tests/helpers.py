"""What a recipient reads: the e-mails sent, their text and HTML, the link they carry."""

from django.conf import settings
from django.core import mail
from django.utils.html import escape

from trama.notifications.models import Notification


def sent_to(email: str):
    return [m for m in mail.outbox if m.to == [email]]


def the_email_to(email: str):
    [message] = sent_to(email)
    return message


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def link_in(message, notification: Notification) -> str:
    """The act's link, as the plain-text e-mail and its inbox row both carry it."""
    url = settings.SITE_URL + notification.path
    assert url in message.body
    assert f'href="{escape(url)}"' in html_of(message)
    return notification.path


def assert_reads_plainly(message, *texts):
    """Plain text, as typed: no HTML entity anywhere in the subject or the body."""
    for text in texts:
        assert text in message.subject + message.body, (text, message.subject, message.body)
    for entity in ("&#x27;", "&#39;", "&quot;", "&amp;", "&lt;", "&gt;"):
        assert entity not in message.subject + message.body, entity
