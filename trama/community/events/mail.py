"""The e-mails of events: each goes through the task queue on commit, like every e-mail of
Trama; the confirmation carries the session as an `.ics` file."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.utils import translation

from trama.lib.mail import absolute_url, compose, deliver_email, render_template_email

from .ical import session_ics


@task
def deliver_email_with_calendar(subject: str, body: str, to: list[str], html: str, ics: str):
    """Send one e-mail with a calendar file attached; run by the task worker."""
    message = EmailMultiAlternatives(subject, body, None, to)
    message.attach_alternative(html, "text/html")
    message.attach("evento.ics", ics.encode(), "text/calendar; charset=utf-8; method=PUBLISH")
    message.send()


def _compose(template: str, context: dict, path: str):
    title, body = render_template_email(f"events/email/{template}", context)
    with translation.override(settings.LANGUAGE_CODE):
        return compose(title=title, body=body, url=absolute_url(path))


def queue_session_email(registration, template: str, *, with_calendar: bool) -> None:
    """E-mail the registered person about their session, once the transaction commits."""
    user, session = registration.user, registration.session
    if not user.email:
        return
    context = {"session": session, "event": session.event, "registration": registration}
    email = _compose(template, context, session.get_absolute_url())
    kwargs = {"subject": email.subject, "body": email.text, "to": [user.email], "html": email.html}
    if with_calendar:
        kwargs["ics"] = session_ics(session).decode()
        transaction.on_commit(lambda: deliver_email_with_calendar.enqueue(**kwargs))
    else:
        transaction.on_commit(lambda: deliver_email.enqueue(**kwargs))
