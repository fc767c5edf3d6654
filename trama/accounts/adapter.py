from allauth.account.adapter import DefaultAccountAdapter

from trama.lib.mail import send_message_later


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's e-mails (verification, password reset) through the task queue."""

    def send_mail(self, template_prefix, email, context):
        msg = self.render_mail(template_prefix, email, context)
        send_message_later(msg)
