"""E-mails to the people who act for a body in a procedure."""

from trama.lib.mail import send_template_email
from trama.organizations.models import Membership


def email_admins(organization, template: str, context: dict) -> int:
    """Queue the e-mail `template` to every administrator of `organization` (on commit)."""
    emails = Membership.objects.filter(
        organization=organization, role=Membership.Role.ADMIN
    ).values_list("user__email", flat=True)
    for email in emails:
        send_template_email(template, email, context)
    return len(emails)
