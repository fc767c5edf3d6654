"""E-mails to the people who act for a body in a procedure."""

from trama.lib.mail import send_template_email
from trama.organizations.models import Membership

from ..access import member_reads


def email_admins(organization, template: str, context: dict, *, about=None) -> int:
    """Queue the e-mail `template` to every administrator of `organization` (on commit).

    With `about` (a proposal), only to the administrators who may read it: one who joined
    after its submission gets nothing of it while it is sealed.
    """
    admins = Membership.objects.filter(
        organization=organization, role=Membership.Role.ADMIN
    ).select_related("user")
    emails = [m.user.email for m in admins if about is None or member_reads(m, about)]
    for email in emails:
        send_template_email(template, email, context)
    return len(emails)
