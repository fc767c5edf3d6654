"""The sealing rule, for every route: a sealed proposal's content reaches no one outside.

The test walks the project's URL patterns. Each route is either visited here, with the
arguments given in ROUTES, or listed in NOT_ABOUT_PROPOSALS with the reason it cannot
show one. A new route that is in neither list fails the test, so it can't skip the rule.
"""

import pytest
from django.contrib import admin
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for
from trama.conftest import make_user
from trama.organizations import services as org_services
from trama.organizations.models import Membership
from trama.procedures import services
from trama.procedures.access import member_proposals, member_reads

from .conftest import complete_proposal, rome

MARKER = "SIGILLOZX9"

# Routes visited, with how to build their arguments from the scenario.
ROUTES = {
    "pages:home": {},
    "pages:privacy": {},
    "pages:accessibility": {},
    "organizations:directory": {},
    "organizations:detail": {"slug": "lead"},
    "organizations:members": {"slug": "lead"},
    "organizations:audit": {"slug": "owner"},
    "pages:dashboard": {},
    "programs:list": {},
    "programs:program": {"slug": "program"},
    "ledger:entries": {"slug": "program"},
    "ledger:entries_export": {"slug": "program", "fmt": "csv"},
    "ledger:queue": {"slug": "program"},
    "ledger:organization": {"slug": "lead"},
    "ledger:funder_queue": {},
    "procedures:calls": {},
    "procedures:feed": {},
    "procedures:call": {"pk": "call"},
    "procedures:proposal": {"pk": "proposal"},
    "procedures:receipt_check": {},
    "procedures:desk": {"pk": "call"},
    "procedures:trail": {"pk": "call"},
    "procedures:receipt_pdf": {"pk": "proposal"},
    # Review steps (GET shows what the act touches) and the partner search of a draft.
    "procedures:proposal_submit": {"pk": "proposal"},
    "procedures:proposal_withdraw": {"pk": "proposal"},
    "procedures:proposal_confirm": {"pk": "proposal"},
    "procedures:proposal_partner_search": {"pk": "proposal"},
    # The draft page's secondary forms, each on a page of its own (or in place, with htmx).
    "procedures:proposal_line_form": {"pk": "proposal"},
    "procedures:proposal_files_form": {"pk": "proposal"},
    "procedures:proposal_partner_form": {"pk": "proposal"},
    "procedures:receipt_json": {"pk": "proposal"},
    "procedures:minutes": {"pk": "call"},
    # The co-design table: after the ranking only (404, or back to the call, before it).
    "procedures:table": {"pk": "call"},
    "procedures:table_open": {"pk": "call"},
    "procedures:table_project": {"pk": "call"},
    "procedures:table_project_edit": {"pk": "call"},
    "procedures:table_project_history": {"pk": "call"},
    "procedures:table_project_diff": {"pk": "call"},
    "procedures:table_adopt": {"pk": "call"},
    "procedures:table_adoption_file": {"pk": "call"},
    "notifications:inbox": {},
    "api-v1:list_programs": {},
    "api-v1:get_program": {"slug": "program"},
    "api-v1:list_entries": {"slug": "program"},
    "api-v1:get_figures": {},
    "api-v1:list_organizations": {},
    "api-v1:get_organization": {"slug": "lead"},
    "api-v1:openapi-json": {},
    "api-v1:list_calls": {},
    "api-v1:get_call": {"call_id": "call"},
    "api-v1:get_ranking": {"call_id": "call"},
    # The community: its directories count a body's listed procedures and signed agreements,
    # never its proposals.
    "community:members": {},
    "community:organizations": {},
    "community:join": {},
    "community:edit": {},
    "community:leave": {},
    "api-v1:list_members": {},
    "api-v1:list_practising_organizations": {},
    # A body's pending invitations (administrators only), the invitations sent to the
    # token's owner and their notifications (as the inbox, never another's).
    "api-v1:list_invitations": {"slug": "lead"},
    "api-v1:my_invitations": {},
    "api-v1:list_notifications": {},
    "api-v1:notification_preferences": {},
    # Search indexes no proposal (nor any draft or restricted content).
    "search:search": {},
    "api-v1:search": {},
    # Community events: sessions, registrations, follows; never a proposal.
    "events:events": {},
    "events:mine": {},
    "api-v1:list_events": {},
    "api-v1:my_registrations": {},
    # Community discussions: what members write, never a proposal.
    "discussions:categories": {},
    "discussions:queue": {},
    "api-v1:list_discussion_categories": {},
    # What's new in the community: practices, documents, events, threads; never a proposal.
    "whatsnew:whats_new": {},
    "api-v1:whats_new_for_me": {},
    # OCDS: releases of published acts only; a proposal appears once ranked, as an award.
    "api-v1:ocds_releases": {},
    "api-v1:ocds_records": {},
    "api-v1:ocds_procedure_releases": {"call_id": "call"},
    "api-v1:ocds_procedure_record": {"call_id": "call"},
    "ocds:bulk_index": {},
    "catalogue:catalogue": {},
    "catalogue:turtle": {},
    "catalogue:jsonld": {},
    "ocds:bulk": {"year": 2026, "fmt": "jsonl"},
    # Transparency: the public body's acts, agreements, art. 27 list and feeds; the call is
    # listed (its title, never a proposal's), the ranking only once published.
    "transparency:body": {"slug": "owner"},
    "transparency:art27": {"slug": "owner"},
    "transparency:art27_year": {"slug": "owner", "year": "2026"},
    "transparency:art27_export": {"slug": "owner", "year": "2026", "fmt": "json"},
    "transparency:feed": {"kind": "avvisi"},
    "transparency:body_feed": {"slug": "owner", "kind": "esiti"},
    "transparency:territory_feed": {"code": "03", "kind": "avvisi"},
    "api-v1:art27_years": {"slug": "owner"},
    "api-v1:art27_list": {"slug": "owner", "year": "2026"},
}

NOT_ABOUT_PROPOSALS = {
    "agreements:dashboard": "an agreement follows the ranking; its figures show no proposal",
    "agreements:public": "an agreement follows the ranking; its figures show no proposal",
    # Acts (POST only) answer with a redirect or an error, never with a proposal's content.
    "organizations:invitation_accept": "POST act: the person accepts their invitation",
    "procedures:call_publish": "review page and act on the call, no proposal",
    "procedures:call_cancel": "review page and act on the call, no proposal",
    "procedures:call_extend": "review page and act on the call, no proposal",
    "procedures:call_ask": "POST act on the call",
    "procedures:call_answer": "POST act on the call",
    "procedures:proposal_start": "POST act: starts a new draft",
    "procedures:proposal_update": "POST act of the lead's admins",
    "procedures:proposal_add_line": "POST act of the lead's admins",
    "procedures:proposal_invite": "POST act of the lead's admins",
    "procedures:proposal_total": "POST act of the lead's admins",
    "procedures:proposal_remove_line": "POST act of the lead's admins",
    "procedures:proposal_attach": "POST act of the lead's admins",
    "procedures:proposal_replace_file": "POST act of the lead's admins",
    "procedures:proposal_remove_file": "POST act of the lead's admins",
    "procedures:proposal_remove_partner": "POST act of the lead's admins",
    "procedures:call_create": "form for a new call, no proposal",
    "procedures:call_edit": "form of a draft call, no proposal",
    "procedures:call_attach": "POST act of an officer",
    "procedures:call_document": "a document of the call, published by the public body",
    "procedures:appoint": "POST act of the RUP",
    "procedures:protocol": "POST act of an officer",
    "procedures:interest": "POST act (co-programming)",
    "procedures:proposal_version": "POST act of the lead's admins",
    "procedures:integrate": "POST act of the lead (soccorso istruttorio)",
    "procedures:admit_participants": "review page and act (co-programming), no proposal",
    "procedures:meeting": "POST act (co-programming)",
    "procedures:meeting_minutes": "POST act (co-programming)",
    "procedures:contribute": "POST act (co-programming)",
    "procedures:conclude": "review page and act (co-programming), no proposal",
    "procedures:codesign": "POST act (co-programming)",
    "procedures:evaluation_start": "review page and act of the RUP, names the commission",
    "procedures:declare": "review of the declaration: names the bodies, not the proposals",
    "procedures:rank": "review of the ranking: the RUP, declared clear, after the deadline",
    "procedures:admission": "POST act of the RUP or the commission",
    "procedures:documents": "POST act of the RUP or the commission",
    "procedures:score": "POST act of an evaluator",
    "programs:create": "form for a new program",
    "procedures:history_create": "form for a historical procedure",
    "ledger:entry_create": "ledger entry form",
    "ledger:entry": "ledger entries; budget plans reach the ledger only once SELECTED",
    "ledger:entry_reverse": "ledger act",
    "ledger:entry_verify": "ledger act",
    "ledger:entry_confirm": "ledger act",
    "ledger:queue_verify": "ledger act on ticked entries",
    "ledger:queue_confirm": "ledger act on ticked grants",
    "ledger:evidence": "ledger evidence file",
    "ledger:import": "import wizard of the ledger",
    "ledger:import_template": "static template",
    "ledger:import_review": "import wizard of the ledger",
    "pages:municipality_suggestions": "territory names",
    "pages:developers": "static help about the API",
    "procedures:call_ics": "the call's deadline as a calendar file",
    "organizations:create": "form",
    "organizations:switch": "POST act",
    "organizations:edit": "organisation form",
    "organizations:change_role": "POST act",
    "organizations:remove_member": "POST act",
    "organizations:revoke_invitation": "POST act",
    "organizations:security": "2FA setting",
    "organizations:claim": "claim form",
    "organizations:invitation": "invitation token",
    "accounts:profile": "the user's own profile",
    "accounts:tokens": "the user's API tokens",
    "accounts:revoke_token": "POST act",
    "accounts:delete": "account deletion",
    "notifications:open": "POST act: marks read, redirects to the act's page",
    "notifications:mark_read": "POST act",
    "notifications:mark_all_read": "POST act",
    "notifications:preferences": "the user's own e-mail choices",
    "set_language": "language switch",
    "pages:language": "language switch",
    "api-v1:openapi-view": "the API reference, from the OpenAPI document",
    "api-v1:api-root": "index",
    "api-v1:create_organization": "POST",
    "api-v1:update_organization": "POST act of a body's administrators on its profile",
    "api-v1:set_two_factor_policy": "POST act of a body's administrators",
    "api-v1:claim_organization": "POST act: a request to the platform staff",
    "api-v1:invite_member": "POST act of a body's administrators",
    "api-v1:revoke_invitation": "POST act of a body's administrators",
    "api-v1:change_member_role": "POST act of a body's administrators",
    "api-v1:remove_member": "POST act: a member leaves, or an administrator removes one",
    "api-v1:accept_invitation": "POST act: the person accepts their invitation",
    "api-v1:accept_invitation_sent_to_me": "POST act: the person accepts their invitation",
    "api-v1:mark_notification_read": "POST act on the person's own notification",
    "api-v1:mark_all_notifications_read": "POST act on the person's own notifications",
    "api-v1:set_notification_preferences": "POST: the person's own e-mail choices",
    "api-v1:list_members": "organisation members",
    "api-v1:list_regions": "territories",
    "api-v1:list_provinces": "territories",
    "api-v1:list_municipalities": "territories",
    "api-v1:get_municipality": "territories",
    "api-v1:me": "the caller's own account",
    "api-v1:record_entry": "POST",
    "api-v1:create_call": "POST: a new draft call",
    "api-v1:publish_call": "POST act on the call",
    "api-v1:ask_clarification": "POST: a question on the call, no proposal",
    "api-v1:answer_clarification": "POST: an answer on the call, no proposal",
    "api-v1:extend_deadline": "POST act on the call's deadline, no proposal",
    "api-v1:revise_call": "POST act on a draft call, no proposal",
    "api-v1:cancel_procedure": "POST act on the call, no proposal",
    "api-v1:attach_call_document": "POST: a document of the call, no proposal",
    "api-v1:express_interest": "POST act (co-programming): a body's interest, no proposal",
    "api-v1:admit_participants": "POST act of the RUP (co-programming), no proposal",
    "api-v1:add_thematic_table": "POST act of the RUP (co-programming), no proposal",
    "api-v1:record_thematic_minutes": "POST act of the RUP (co-programming), no proposal",
    "api-v1:add_contribution": "POST act of a participant (co-programming), no proposal",
    "api-v1:conclude_coprogramming": "POST act of the RUP (co-programming), no proposal",
    "api-v1:start_codesign": "POST: a new draft co-design call, no proposal",
    "api-v1:record_historical_procedure": "POST: a procedure from before Trama, nothing sealed",
    "api-v1:create_program": "POST: a new program",
    "api-v1:create_proposal": "POST: answers its creator only",
    "api-v1:submit_proposal": "POST: the receipt goes to the lead's admin who submits",
    "api-v1:withdraw_proposal": "POST act of the lead's admins",
    # The evaluation desk in the API: acts after the deadline, through the desk's access rules;
    # answers name a proposal by id, lead body and state, never its content.
    "api-v1:appoint_evaluator": "POST act of the RUP after the deadline",
    "api-v1:start_evaluation": "POST act of the RUP on the call",
    "api-v1:declare_interests": "POST act: names the partner bodies, not the proposals",
    "api-v1:decide_admission": "POST act of the RUP or the commission; no proposal content",
    "api-v1:request_documents": "POST act of the RUP or the commission; no proposal content",
    "api-v1:score_proposal": "POST act of an evaluator declared clear; answers their scores",
    "api-v1:approve_ranking": "POST act of the RUP; answers the published ranking",
    "api-v1:record_protocol_number": "POST act of an officer on a receipt, after the deadline",
    # A draft's acts: POST only, for the lead's admins (a partner's admin confirms), 404 to
    # whoever may not read the proposal; each answers with what its caller sent or reads.
    "api-v1:invite_partner": "POST act of the lead's admins on their draft",
    "api-v1:confirm_participation": "POST act of a partner's admins",
    "api-v1:remove_partner": "POST act of the lead's admins on their draft",
    "api-v1:add_budget_line": "POST act of the lead's admins: answers the line they sent",
    "api-v1:remove_budget_line": "POST act of the lead's admins on their draft",
    "api-v1:attach_file": "POST act of the lead's admins: answers the file they sent",
    "api-v1:replace_file": "POST act of the lead's admins: answers the file they sent",
    "api-v1:remove_file": "POST act of the lead's admins on their draft",
    "api-v1:send_requested_document": "POST act of the lead's admins: answers the file they sent",
    "api-v1:start_new_version": "POST act of the lead's admins who read the submitted version",
    "api-v1:reverse_entry": "POST",
    "api-v1:verify_entry": "POST",
    "api-v1:confirm_entry": "POST",
    "api-v1:attach_evidence": "POST: a private evidence file; the answer names it only",
    # Co-production: reports, payments and closing acts of a signed agreement.
    "agreements:reports": "the reporting calendar of a signed agreement",
    "agreements:report": "a report: contents for the parties and the public body only",
    "agreements:report_open": "POST act of the lead",
    "agreements:report_save": "POST act of the lead",
    "agreements:report_line": "POST act of a party",
    "agreements:report_line_remove": "POST act of a party",
    "agreements:report_line_edit": "POST act of a party",
    "agreements:report_line_evidence": "a line's evidence: its body and the public body",
    "agreements:report_submit": "review page and act of the lead",
    "agreements:report_verify": "review page and act of the RUP",
    "agreements:payments": "tranches and payments, for the parties and the public body",
    "agreements:payment_record": "review page and act of the RUP",
    "agreements:complete": "review page and act of the RUP",
    "agreements:terminate": "review page and act of the RUP",
    "api-v1:submit_report": "POST act of the lead",
    "api-v1:verify_report": "POST act of the RUP",
    "api-v1:record_payment": "POST act of the RUP",
    "api-v1:close_agreement": "POST act of the RUP",
    "api-v1:terminate_agreement": "POST act of the RUP",
    "api-v1:save_report": "POST act of the lead",
    "api-v1:add_report_line": "POST act of a party",
    "api-v1:update_report_line": "POST act of a party",
    "api-v1:remove_report_line": "POST act of a party",
    "procedures:table_meeting": "a meeting of the co-design table, which opens after the ranking",
    "procedures:table_meeting_add": "POST act",
    "procedures:table_minutes": "POST act",
    "procedures:table_minutes_review": "POST act",
    "procedures:table_project_comment": "POST act",
    "api-v1:open_table": "POST act of the RUP after the ranking",
    "api-v1:schedule_meeting": "POST act at the co-design table",
    "api-v1:record_minutes": "POST act at the co-design table",
    "api-v1:review_minutes": "POST act at the co-design table",
    "api-v1:comment_section": "POST act at the co-design table",
    "api-v1:save_version": "POST act at the co-design table",
    "api-v1:adopt": "POST act at the co-design table",
    # The table's plan and the agreement: after the ranking, never a proposal's sealed content.
    "agreements:plan": "the table's budget plan, after the ranking",
    "agreements:plan_add": "POST act on the table's plan",
    "agreements:plan_preview": "the plan's totals with the line being typed",
    "agreements:plan_remove": "POST act on the table's plan",
    "agreements:new": "form of the RUP after the adoption",
    "agreements:agreement": "the agreement, after the ranking",
    "agreements:edit": "POST act of the RUP",
    "agreements:issue": "review page and act of the RUP",
    "agreements:cancel": "review page and act of the RUP",
    "agreements:sign": "POST act of a party",
    "agreements:signed_copy": "a party's signed copy, for parties and officers",
    "agreements:party": "POST act",
    "agreements:party_withdraw": "POST act of the RUP",
    "agreements:party_published": "review page and act of the RUP",
    "agreements:target": "POST act of the RUP",
    "agreements:part_add": "POST act of the RUP",
    "agreements:part_remove": "POST act of the RUP",
    "agreements:version_pdf": "the agreement's PDF",
    "agreements:version_docx": "the agreement's reading copy",
    "api-v1:issue": "POST act of the RUP",
    "api-v1:upload_signed_copy": "POST act of a party",
    "api-v1:draft_agreement": "POST act of the RUP after the adoption",
    "api-v1:update_agreement": "POST act of the RUP",
    "api-v1:remove_agreement_part": "POST act of the RUP",
    "api-v1:set_target": "POST act of the RUP",
    "api-v1:update_party": "POST act of the RUP or a party's admins",
    "api-v1:withdraw_party": "POST act of the RUP",
    "api-v1:cancel_at_table": "POST act of the RUP",
    "api-v1:mark_published": "POST act of the RUP",
    "api-v1:add_plan_line": "POST act on the table's plan",
    "api-v1:remove_plan_line": "POST act on the table's plan",
    # Partnerships and territories: listed procedures' titles and dates, signed agreements,
    # ledger roll-ups and network members — never a proposal.
    **{
        f"partnerships:{name}": "partnerships and territories: no proposal content"
        for name in (
            "list",
            "new",
            "detail",
            "edit",
            "coordinator_add",
            "coordinator_remove",
            "shares",
            "share_annul",
            "territories",
            "compare",
            "timeline",
        )
    },  # fmt: skip
    **{
        f"api-v1:{name}": "partnerships and territories in the API: no proposal content"
        for name in (
            "list_partnerships",
            "get_partnership",
            "update_partnership",
            "add_coordinator",
            "remove_coordinator",
            "record_contractual",
            "record_institutional",
            "share_history",
            "share_table",
            "record_share_act",
            "annul_share_act",
            "territory_timeline",
            "compare_territories",
            "regions_leverage",
        )
    },  # fmt: skip
    "community:member": "a member's profile: what they wrote about themselves",
    "api-v1:my_membership": "the token owner's own community profile",
    "api-v1:join_community": "POST act: the person joins the community",
    "api-v1:update_membership": "POST act: the member changes their profile",
    "api-v1:leave_community": "POST act: the member leaves",
    **{
        f"practices:{name}": "practice sheets and the library: members' writing, no proposal"
        for name in (
            "practices",
            "practice",
            "practice_create",
            "practice_edit",
            "practice_publish",
            "practice_history",
            "practice_version",
            "practice_comment",
            "comment_hide",
            "library",
            "document",
            "document_create",
            "document_version",
            "download",
            "preview",
            "use_template",
        )
    },  # fmt: skip
    **{
        f"api-v1:{name}": "practice sheets and the library in the API: no proposal content"
        for name in (
            "list_practices",
            "get_practice",
            "create_practice",
            "list_documents",
            "get_document",
            "create_document",
            "update_practice",
            "publish_practice",
            "comment_practice",
            "add_document_version",
        )
    },  # fmt: skip
    "api-v1:use_call_template": "POST act: a new draft call from a library template, no proposal",
    **{
        f"events:{name}": "community events: sessions, registrations, follows; no proposal"
        for name in (
            "event",
            "register",
            "cancel",
            "organize",
            "material",
            "regenerate",
            "feed",
            "follow_call",
            "follow_organization",
        )
    },  # fmt: skip
    "api-v1:get_event": "a community event and its sessions, no proposal",
    "api-v1:register": "POST act: a registration to a session",
    "api-v1:cancel": "POST act: a registration cancelled",
    "api-v1:list_session_registrations": "a session's registrations, for its organisers only",
    "api-v1:invite_to_session": "POST act of a session's organisers: an invitation",
    "api-v1:add_session_material": "POST act of a session's organisers: a file of the session",
    "api-v1:record_session_attendance": "POST act of a session's organisers: who came",
    "api-v1:remove_session_registration": "POST act of a session's organisers",
    "api-v1:my_follows": "the calls and bodies the token's owner follows",
    "api-v1:follow_call": "POST act: follow a published call",
    "api-v1:unfollow_call": "POST act: stop following a call",
    "api-v1:follow_organization": "POST act: follow a body",
    "api-v1:unfollow_organization": "POST act: stop following a body",
    "api-v1:regenerate_calendar": "POST act: a new secret calendar address",
    **{
        f"discussions:{name}": "community discussions: what members write, never a proposal"
        for name in (
            "category",
            "new_thread",
            "follow_category",
            "thread",
            "reply",
            "follow_thread",
            "thread_act",
            "accept",
            "report",
            "hide",
            "approve",
            "dismiss",
            "ban",
        )
    },  # fmt: skip
    **{
        f"api-v1:{name}": "community discussions: what members write, never a proposal"
        for name in (
            "list_threads",
            "list_posts",
            "start_thread",
            "reply",
            "follow_thread",
            "accept_answer",
        )
    },
    **{
        f"webhooks:{name}": "a body's webhooks: addresses and a delivery log of public events"
        for name in ("list", "create", "detail", "ping", "enable", "delete")
    },
    **{
        f"api-v1:{name}": "a body's webhooks in the API: public events only, never a proposal"
        for name in (
            "list_webhooks",
            "create_webhook",
            "list_webhook_deliveries",
            "ping_webhook",
            "enable_webhook",
            "delete_webhook",
        )
    },  # fmt: skip
}


def _route_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if (
                namespace == ""
                and pattern.namespace in (None,)
                and "allauth" in str(pattern.urlconf_name)
            ):
                continue  # allauth's account pages: sign-in, e-mail, 2FA
            if pattern.app_name == "admin":
                continue  # visited below, model by model
            inner = pattern.namespace or namespace
            yield from _route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_route_is_classified():
    names = set(_route_names())
    unclassified = names - set(ROUTES) - set(NOT_ABOUT_PROPOSALS)
    assert not unclassified, f"decide whether these routes can show a proposal: {unclassified}"


@pytest.fixture
def sealed(bodies, call, django_capture_on_commit_callbacks):
    """A submitted proposal with the marker in its title, sections, plan and file name."""
    with django_capture_on_commit_callbacks(execute=True):
        proposal = complete_proposal(
            call,
            by=bodies.tom,
            lead=bodies.consortium,
            partners=[(bodies.coop, bodies.tom)],
            title=f"Titolo {MARKER}",
        )
        services.update_proposal(
            proposal, by=bodies.tom, sections={c.pk: f"Testo {MARKER}" for c in call.criteria.all()}
        )
        line = proposal.budget_lines.get()
        line.description = f"Risorsa {MARKER}"
        line.save(update_fields=["description"])
        from django.core.files.uploadedfile import SimpleUploadedFile

        services.attach_file(
            proposal,
            by=bodies.tom,
            upload=SimpleUploadedFile(f"{MARKER}.pdf", b"%PDF-1.7\n%%EOF\n"),
        )
        services.submit_proposal(proposal, by=bodies.tom)
    return proposal


def _url(name, proposal, bodies):
    values = {
        "lead": bodies.consortium.slug,
        "owner": bodies.comune.slug,
        "program": proposal.procedure.program.slug,
        "call": proposal.procedure.pk,
        "proposal": proposal.pk,
    }
    kwargs = {key: values.get(value, value) for key, value in ROUTES[name].items()}
    return reverse(name, kwargs=kwargs)


def test_a_sealed_proposal_shows_in_no_route_for_anyone_outside(bodies, call, sealed, client_for):
    outsiders = [bodies.alice, bodies.eve, bodies.sam, bodies.oscar, bodies.fiona, bodies.una, None]
    for persona in outsiders:
        client = client_for(persona)
        for name in ROUTES:
            response = client.get(_url(name, sealed, bodies))
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert MARKER.encode() not in body, (persona and persona.email, name)
        # Searched for by its own words, the proposal is found nowhere (the page repeats
        # the words searched for; its results are empty).
        page = client.get(reverse("search:search"), {"q": MARKER})
        assert page.status_code == 200 and page.context["found"] == []
        found = client.get(reverse("api-v1:search"), {"q": MARKER})
        assert found.status_code == 200 and MARKER.encode() not in found.content
    # Platform staff in the admin, model by model.
    client = client_for(bodies.sam)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert MARKER.encode() not in client.get(url).content, model
    # E-mails sent to anyone but the partners' members.
    partners = {"tom@trama.test", "pat@trama.test"}
    for message in mail.outbox:
        if set(message.to) - partners:
            assert MARKER not in message.body + message.subject, message.to
    # The partners themselves do see it: the marker is really there to be found.
    page = client_for(bodies.pat).get(reverse("procedures:proposal", args=[sealed.pk]))
    assert MARKER.encode() in page.content


def _page(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


@pytest.fixture
def newcomers(bodies, sealed, client_for, django_capture_on_commit_callbacks, time_machine):
    """Nine days after the submission, while the proposal is sealed: Sam (platform staff)
    adds himself to the partner coop through the admin, and Nina accepts an invitation to
    be an administrator of the lead consortium."""
    time_machine.move_to(rome(2026, 3, 10, 9, 0), tick=False)
    bodies.sam.is_superuser = True
    bodies.sam.save(update_fields=["is_superuser"])
    bodies.nina = make_user("nina@trama.test", first_name="Nina", last_name="Sala")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bodies.sam).post(
            reverse("admin:organizations_membership_add"),
            {"organization": bodies.coop.pk, "user": bodies.sam.pk, "role": "ADMIN"},
        )
        assert response.status_code == 302
        invitation = org_services.invite_member(
            bodies.consortium, by=bodies.tom, email="nina@trama.test", role="ADMIN"
        )
        org_services.accept_invitation(invitation.token, user=bodies.nina)
    assert Membership.objects.filter(organization=bodies.coop, user=bodies.sam).exists()
    return bodies


def _assert_reads_nothing(client, proposal, bodies):
    for name in ROUTES:
        status, body = _page(client, _url(name, proposal, bodies))
        assert MARKER.encode() not in body, name
    status, _body = _page(client, reverse("procedures:proposal", args=[proposal.pk]))
    assert status == 404


def test_a_membership_gained_after_the_submission_does_not_unseal_it(
    newcomers, sealed, client_for, django_capture_on_commit_callbacks, time_machine
):
    bodies = newcomers
    # The staff's act is in the coop's trail, and its administrator was told.
    assert AuditEvent.objects.filter(
        chain=chain_for(bodies.coop), action="membership.added_by_staff", actor=bodies.sam
    ).exists()
    assert any("sam@trama.test" in m.body and "tom@trama.test" in m.to for m in mail.outbox)

    for newcomer in (bodies.sam, bodies.nina):
        client = client_for(newcomer)
        _assert_reads_nothing(client, sealed, bodies)
        for model in admin.site._registry:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            assert MARKER.encode() not in client.get(url).content, model
    # Nor can the new administrator copy it into a draft she would read.
    with pytest.raises(PermissionDenied):
        services.start_new_version(sealed, by=bodies.nina)

    # Tom, an administrator from before, starts a new version: the copy holds the sealed
    # content, so it is sealed to the newcomers too, pages and reminders alike.
    sent_before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.start_new_version(sealed, by=bodies.tom)
        time_machine.move_to(rome(2026, 3, 29, 9, 0), tick=False)
        assert services.send_deadline_reminders() == 1
    for newcomer in (bodies.sam, bodies.nina):
        _assert_reads_nothing(client_for(newcomer), copy, bodies)
    # The reminder about the copy goes to the lead's administrators who may open it.
    assert [m.to for m in mail.outbox[sent_before:]] == [["tom@trama.test"]]
    for message in mail.outbox:
        if {"sam@trama.test", "nina@trama.test"} & set(message.to):
            assert MARKER not in message.body + message.subject, message.to

    # The members from before the submission still read both.
    for member in (bodies.tom, bodies.pat):
        for proposal in (sealed, copy):
            status, body = _page(
                client_for(member), reverse("procedures:proposal", args=[proposal.pk])
            )
            assert status == 200 and MARKER.encode() in body, (member.email, proposal.version)


def test_the_seal_ends_at_the_closing_for_newcomers_as_for_the_others(
    newcomers, sealed, client_for, time_machine
):
    """After the deadline the procedure's rules apply: the RUP and the commission read the
    proposals, and the partners' members (whenever they joined) read their own."""
    time_machine.move_to(rome(2026, 3, 30, 12, 1), tick=False)
    services.close_due_procedures()
    status, body = _page(
        client_for(newcomers.nina), reverse("procedures:proposal", args=[sealed.pk])
    )
    assert status == 200 and MARKER.encode() in body


def test_a_newcomer_to_the_lead_body_still_writes_a_new_draft(newcomers, sealed, client_for):
    nina = newcomers.nina
    draft = services.start_proposal(
        sealed.procedure, by=nina, lead=newcomers.consortium, title="Proposta di Nina"
    )
    services.update_proposal(draft, by=nina, title="Proposta di Nina, rivista")
    status, body = _page(client_for(nina), reverse("procedures:proposal", args=[draft.pk]))
    assert status == 200 and b"Proposta di Nina, rivista" in body
    assert MARKER.encode() not in body
    # Only her draft: the sealed version beside it stays out of her sight.
    status, _body = _page(client_for(nina), reverse("procedures:proposal", args=[sealed.pk]))
    assert status == 404


def test_the_rule_reads_the_same_as_a_filter_and_as_a_predicate(newcomers, sealed):
    """Pages filter with `member_proposals`; e-mails and copies ask `member_reads`."""
    bodies = newcomers
    sealed.refresh_from_db()
    copy = services.start_new_version(sealed, by=bodies.tom)
    readers = set()
    for user in (bodies.tom, bodies.pat, bodies.sam, bodies.nina, bodies.una):
        for proposal in (sealed, copy):
            as_filter = member_proposals(user).filter(pk=proposal.pk).exists()
            memberships = Membership.objects.filter(
                user=user, organization__in=proposal.partners.values("organization")
            )
            assert as_filter == any(member_reads(m, proposal) for m in memberships)
            if as_filter:
                readers.add((user.email, proposal.version))
    assert readers == {(u, v) for u in ("tom@trama.test", "pat@trama.test") for v in (1, 2)}


def test_a_new_version_once_submitted_stays_sealed_to_newcomers(
    newcomers, sealed, client_for, django_capture_on_commit_callbacks
):
    """The copy carries content sealed since the first submission: submitting the copy
    doesn't move the seal to its own, later submission."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    bodies = newcomers
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.start_new_version(sealed, by=bodies.tom)
        if not copy.files.exists():
            services.attach_file(
                copy, by=bodies.tom, upload=SimpleUploadedFile("v2.pdf", b"%PDF-1.7\n%%EOF\n")
            )
        services.submit_proposal(copy, by=bodies.tom)
    copy.refresh_from_db()
    sealed.refresh_from_db()
    assert copy.state == "SUBMITTED"
    assert copy.sealed_at == sealed.submitted_at < copy.submitted_at
    for newcomer in (bodies.sam, bodies.nina):
        _assert_reads_nothing(client_for(newcomer), copy, bodies)
        assert not member_proposals(newcomer).filter(pk=copy.pk).exists()
    status, body = _page(client_for(bodies.tom), reverse("procedures:proposal", args=[copy.pk]))
    assert status == 200 and MARKER.encode() in body
