from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from trama.lib.mail import compose, queue_email


@dataclass(frozen=True)
class Site:
    """What allauth's templates read as `current_site`: the name and host from settings
    (without django.contrib.sites, allauth would find an empty name: "Ciao da !")."""

    name: str
    domain: str


def this_site() -> Site:
    return Site(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's e-mails (verification, password reset) through the task queue, in
    Trama's e-mail layout: plain text and its HTML alternative."""

    def send_mail(self, template_prefix, email, context):
        msg = self.render_mail(template_prefix, email, {"current_site": this_site(), **context})
        prefix = self.format_email_subject("")
        title = str(msg.subject).removeprefix(prefix)
        # The link to act (confirm, reset) is in allauth's own text, which the HTML links.
        queue_email(compose(title=title, body=msg.body), [email])
