"""E-mails: composed here (plain text, unescaped, with an HTML alternative), sent by the worker.

Every e-mail of Trama has the same shape: a title, a plain-text body, a link to the page where
the person acts, and a footer; `compose` renders the HTML alternative from the same parts
(templates/email/message.html, inline styles in the Bootstrap Italia palette), so the two
never say different things. The plain text is rendered with autoescaping off: it is not HTML.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _


@task
def deliver_email(subject: str, body: str, to: list[str], html: str = "", from_email: str = ""):
    """Send one e-mail; run by the task worker."""
    message = EmailMultiAlternatives(subject, body, from_email or None, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def absolute_url(path: str) -> str:
    """The address of a page of this site, as an e-mail must carry it."""
    return settings.SITE_URL + path if path.startswith("/") else path


def subject_line(title: str) -> str:
    return f"[{settings.SITE_NAME}] {' '.join(title.split())}"


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def compose(
    *,
    title: str,
    body: str,
    url: str = "",
    action: str = "",
    footer: str = "",
    items: list[dict] | None = None,
) -> Email:
    """An e-mail from its parts: `body` is plain text; `url` the absolute link to act on.

    `items` (title, body, url) list several events in one e-mail (the daily digest).
    """
    action = action or _("Open on Trama")
    context = {
        "title": title,
        "paragraphs": paragraphs(body),
        "url": url,
        "action": action,
        "footer": paragraphs(footer),
        "items": items or [],
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    text = render_to_string("email/message.txt", context).strip() + "\n"
    html = render_to_string("email/message.html", context)
    return Email(subject=subject_line(title), text=text, html=html)


def queue_email(email: Email, to: list[str]) -> None:
    """Queue the e-mail to each address (one message each) once the transaction commits."""
    for address in to:
        kwargs = {"subject": email.subject, "body": email.text, "to": [address], "html": email.html}
        transaction.on_commit(lambda kwargs=kwargs: deliver_email.enqueue(**kwargs))


def send_message_later(message: EmailMessage) -> None:
    """Queue an already rendered message once the surrounding transaction commits."""
    html = ""
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html = content
    kwargs = {
        "subject": str(message.subject),
        "body": message.body,
        "to": list(message.to),
        "html": html,
        "from_email": message.from_email or "",
    }
    transaction.on_commit(lambda: deliver_email.enqueue(**kwargs))


def render_template_email(template_prefix: str, context: dict, *, language: str = "") -> tuple:
    """(title, body) from `<prefix>_subject.txt` and `<prefix>_message.txt`, plain text."""
    with translation.override(language or settings.LANGUAGE_CODE):
        title = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        body = render_to_string(f"{template_prefix}_message.txt", context).strip()
    return title, body


def send_template_email(
    template_prefix: str,
    to: str,
    context: dict,
    *,
    url: str = "",
    action: str = "",
    language: str = "",
):
    """E-mail an address that may have no account yet (an invitation): no inbox row."""
    title, body = render_template_email(template_prefix, context, language=language)
    with translation.override(language or settings.LANGUAGE_CODE):
        email = compose(title=title, body=body, url=url, action=action)
    queue_email(email, [to])
