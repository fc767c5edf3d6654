from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation


@task
def deliver_email(subject: str, body: str, to: list[str], html: str = "", from_email: str = ""):
    """Send one e-mail; run by the task worker."""
    message = EmailMultiAlternatives(subject, body, from_email or None, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


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


def send_template_email(template_prefix: str, to: str, context: dict, language: str = "it"):
    """Render `<prefix>_subject.txt` and `<prefix>_message.txt` and queue the e-mail."""
    with translation.override(language):
        subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
        body = render_to_string(f"{template_prefix}_message.txt", context)
    send_message_later(EmailMessage(subject=f"[Trama] {subject}", body=body, to=[to]))
