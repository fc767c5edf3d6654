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
    "membership.added_by_staff": _("Member added by the platform staff"),
    "membership.removed": _("Member removed"),
    "membership.role_changed": _("Role changed"),
    "organization.created": _("Organisation registered"),
    "organization.require_2fa": _("Two-factor policy changed"),
    "organization.unverified": _("Verification withdrawn"),
    "organization.updated": _("Profile changed"),
    "organization.verified": _("Verified by the platform staff"),
    "program.created": _("Program opened"),
    "shares.act_recorded": _("Members' shares recorded"),
    "shares.act_annulled": _("Share act annulled"),
    "partnership.formed": _("Partnership formed"),
    "partnership.recorded": _("Partnership recorded"),
    "partnership.updated": _("Partnership described"),
    "procedure.recorded": _("Procedure recorded from history"),
    "procedure.created": _("Call drafted"),
    "procedure.updated": _("Draft call changed"),
    "procedure.criteria_set": _("Evaluation criteria set"),
    "procedure.budget_set": _("Public budget set"),
    "procedure.published": _("Call published"),
    "procedure.document_attached": _("Document attached to the call"),
    "procedure.deadline_extended": _("Deadline extended"),
    "procedure.cancelled": _("Procedure cancelled"),
    "procedure.closed": _("Deadline passed: proposals unsealed"),
    "procedure.evaluation_started": _("Evaluation opened"),
    "procedure.ranked": _("Ranking approved and published"),
    "procedure.table_opened": _("Co-design table opened"),
    "table.meeting": _("Table meeting scheduled"),
    "table.minutes": _("Minutes of a table meeting drafted"),
    "table.minutes_reviewed": _("Minutes approved or commented by a body"),
    "table.project_saved": _("Version of the shared project saved"),
    "table.project_comment": _("Comment on the shared project"),
    "table.project_adopted": _("Shared project adopted"),
    "clarification.asked": _("Question received"),
    "clarification.answered": _("Answer published"),
    "proposal.submitted": _("Proposal received"),
    "proposal.withdrawn": _("Proposal withdrawn"),
    "proposal.partner_removed": _("Partner removed from a draft"),
    "proposal.line_removed": _("Line removed from a draft's budget plan"),
    "proposal.file_removed": _("Document removed from a draft"),
    "proposal.admission": _("Admission decided"),
    "proposal.documents_requested": _("Missing documents requested"),
    "proposal.documents_received": _("Requested documents received"),
    "proposal.scored": _("Score given"),
    "proposal.protocol_registered": _("Receipt registered in the protocol"),
    "commission.appointed": _("Evaluator appointed"),
    "commission.declared": _("Declaration on conflicts of interest"),
    "coprogramming.interest": _("Interest expressed"),
    "coprogramming.participants_admitted": _("Admitted participants published"),
    "coprogramming.working": _("Thematic tables started"),
    "coprogramming.meeting": _("Thematic table scheduled"),
    "coprogramming.minutes": _("Minutes recorded"),
    "coprogramming.contribution": _("Contribution added"),
    "coprogramming.concluded": _("Co-programming concluded"),
    "ledger.recorded": _("Resource recorded"),
    "ledger.reversed": _("Entry reversed"),
    "ledger.verified": _("Actual verified"),
    "ledger.funder_confirmed": _("Grant confirmed or disputed by the funder"),
    "ledger.imported": _("Spreadsheet imported"),
    "ledger.evidence_attached": _("Evidence attached to an entry"),
    "report.opened": _("Report draft opened"),
    "report.saved": _("Report draft saved"),
    "report.line_added": _("Resource added to a report draft"),
    "report.line_changed": _("Resource corrected in a report draft"),
    "report.line_removed": _("Resource removed from a report draft"),
    "report.submitted": _("Report submitted"),
    "report.accepted": _("Report accepted"),
    "report.changes_requested": _("Changes requested to a report"),
    "payment.recorded": _("Payment of a tranche recorded"),
    "agreement.completed": _("Agreement closed"),
    "agreement.terminated": _("Agreement terminated"),
    # The co-design table's budget plan and the agreement.
    "plan.line_added": _("Line added to the table's budget plan"),
    "plan.line_removed": _("Line removed from the table's budget plan"),
    "agreement.drafted": _("Agreement drafted"),
    "agreement.updated": _("Agreement changed"),
    "agreement.party_updated": _("Party's data changed"),
    "agreement.party_added": _("Party added"),
    "agreement.party_withdrawn": _("Party left the agreement"),
    "agreement.steering_added": _("Steering group member added"),
    "agreement.steering_removed": _("Steering group member removed"),
    "agreement.clause_added": _("Clause added"),
    "agreement.clause_removed": _("Clause removed"),
    "agreement.period_added": _("Reporting period added"),
    "agreement.period_removed": _("Reporting period removed"),
    "agreement.indicator_added": _("Indicator added"),
    "agreement.indicator_removed": _("Indicator removed"),
    "agreement.target_set": _("Indicator's target set"),
    "agreement.tranche_added": _("Payment tranche added"),
    "agreement.tranche_removed": _("Payment tranche removed"),
    "agreement.issued": _("Agreement issued for signature"),
    "agreement.amendment_issued": _("Amendment issued for signature"),
    "agreement.signed": _("Signed copy received"),
    "agreement.in_force": _("Agreement in force: signed by every party"),
    "agreement.contribution_published": _("Contribution published (art. 27 D.Lgs. 33/2013)"),
    "procedure.started": _("Co-production started"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# What the keys of an event's details are called on the pages (a key not named here shows as
# it is recorded); and, for keys whose values are codes, what each code is called: the apps
# that own the vocabularies register them (see `register_value_labels`).
DETAIL_LABELS = {
    "user": _("person no."),
    "email": _("e-mail"),
    "role": _("role"),
    "reason": _("reason"),
    "title": _("title"),
    "status": _("outcome"),
    "name": _("name"),
    "amount": _("amount"),
    "deadline": _("deadline"),
    "required": _("required"),
    "tax_code": _("tax code"),
}
VALUE_LABELS: dict[str, dict] = {}


def register_value_labels(key: str, labels) -> None:
    """Show the values recorded under `key` by their labels (e.g. a TextChoices' choices)."""
    VALUE_LABELS.setdefault(key, {}).update(dict(labels))


def detail_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


def value_label(key: str, value) -> str:
    return str(VALUE_LABELS.get(key, {}).get(value, value))
