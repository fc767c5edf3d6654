from django.utils.translation import gettext_lazy as _

# What each audited act is called on the pages that show a trail.
ACTION_LABELS = {
    "account.deleted": _("Account deleted"),
    "account.email_verified": _("E-mail address verified"),
    "account.login": _("Signed in"),
    "account.login_failed": _("Failed sign-in"),
    "account.mfa_added": _("Two-factor authentication set up"),
    "account.mfa_removed": _("Two-factor authentication removed"),
    "account.password_changed": _("Password changed"),
    "account.password_reset": _("Password reset"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "claim.created": _("Request to join"),
    "claim.decided": _("Request to join decided"),
    "invitation.accepted": _("Invitation accepted"),
    "invitation.revoked": _("Invitation withdrawn"),
    "invitation.sent": _("Invitation sent"),
    "membership.removed": _("Member removed"),
    "membership.role_changed": _("Role changed"),
    "organization.created": _("Organisation registered"),
    "organization.require_2fa": _("Two-factor policy changed"),
    "organization.unverified": _("Verification withdrawn"),
    "organization.updated": _("Profile changed"),
    "organization.verified": _("Verified by the platform staff"),
    "program.created": _("Program opened"),
    "procedure.recorded": _("Procedure recorded from history"),
    "ledger.recorded": _("Resource recorded"),
    "ledger.reversed": _("Entry reversed"),
    "ledger.verified": _("Actual verified"),
    "ledger.funder_confirmed": _("Grant confirmed or disputed by the funder"),
    "ledger.imported": _("Spreadsheet imported"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
