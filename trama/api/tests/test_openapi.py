import base64
import enum
import re
import typing
from dataclasses import dataclass, replace

import openapi_schema_validator
import pydantic
from ninja.constants import NOT_SET
from openapi_spec_validator import validate

from trama.agreements.tests.support_agreement import example_signed_copy
from trama.api.api import api

from .conftest import tax_code

OPENAPI = "/api/v1/openapi.json"
DOCS = "/api/v1/docs"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@dataclass(frozen=True)
class Example:
    """A request that should succeed, made with a token of `persona` (anonymous if None)."""

    url: str
    persona: str | None = None
    scope: str = "read"
    body: dict | None = None


# One example per documented operation. A new endpoint without an entry here fails
# test_it_exercises_every_documented_operation: write its example and its tests.
EXAMPLES = {
    # The community: tom joins, reads and changes his membership, then leaves (in this order).
    ("post", "/api/v1/community/join"): Example(
        "/api/v1/community/join",
        persona="tom",
        scope="write",
        body={"display_name": "Tom Verdi", "consent": True, "visibility": "PUBLIC"},
    ),
    ("get", "/api/v1/community/me"): Example("/api/v1/community/me", persona="tom"),
    ("post", "/api/v1/community/me/update"): Example(
        "/api/v1/community/me/update",
        persona="tom",
        scope="write",
        body={"display_name": "T. Verdi", "region": "03"},
    ),
    ("get", "/api/v1/community/members"): Example("/api/v1/community/members?region=03"),
    ("get", "/api/v1/search"): Example("/api/v1/search?q=cooperative&kind=organization"),
    ("get", "/api/v1/community/organizations"): Example(
        "/api/v1/community/organizations?kind=PUBLIC_BODY&limit=5"
    ),
    ("post", "/api/v1/community/leave"): Example(
        "/api/v1/community/leave", persona="tom", scope="write"
    ),
    # Community events: tom registers to a session, reads his registrations, cancels.
    # Alice joined the community with the events' examples (a moderator who announces them).
    ("get", "/api/v1/community/whats-new"): Example("/api/v1/community/whats-new", persona="alice"),
    ("get", "/api/v1/community/events"): Example("/api/v1/community/events?limit=5"),
    ("get", "/api/v1/community/events/{event_id}"): Example(
        "/api/v1/community/events/{p_event}", persona="tom"
    ),
    ("post", "/api/v1/community/sessions/{session_id}/register"): Example(
        "/api/v1/community/sessions/{p_session}/register", persona="tom", scope="write"
    ),
    ("get", "/api/v1/community/registrations"): Example(
        "/api/v1/community/registrations", persona="tom"
    ),
    ("post", "/api/v1/community/sessions/{session_id}/cancel"): Example(
        "/api/v1/community/sessions/{p_session}/cancel", persona="tom", scope="write"
    ),
    # Alice organises: she reads who registered, invites a body to the restricted session,
    # adds a file, records who came to yesterday's session and takes Eve off the list.
    ("get", "/api/v1/community/sessions/{session_id}/registrations"): Example(
        "/api/v1/community/sessions/{p_session}/registrations", persona="alice"
    ),
    ("post", "/api/v1/community/sessions/{session_id}/invitations"): Example(
        "/api/v1/community/sessions/{p_restricted}/invitations",
        persona="alice",
        scope="write",
        body={"organization": "cooperativa-arcobaleno"},
    ),
    ("post", "/api/v1/community/sessions/{session_id}/materials"): Example(
        "/api/v1/community/sessions/{p_session}/materials",
        persona="alice",
        scope="write",
        body={"title": "Slide", "file_name": "slide.pdf", "file_base64": "JVBERi0xLjcKJSVFT0YK"},
    ),
    ("post", "/api/v1/community/sessions/{session_id}/attendance"): Example(
        "/api/v1/community/sessions/{p_held}/attendance",
        persona="alice",
        scope="write",
        body={"present": []},
    ),
    ("post", "/api/v1/community/sessions/{session_id}/registrations/{registration_id}/remove"): (
        Example(
            "/api/v1/community/sessions/{p_session}/registrations/{p_registration}/remove",
            persona="alice",
            scope="write",
        )
    ),
    # Tom follows a call and a body, stops, and renews his calendar's address.
    ("get", "/api/v1/community/follows"): Example("/api/v1/community/follows", persona="tom"),
    ("post", "/api/v1/community/follows/calls/{call_id}"): Example(
        "/api/v1/community/follows/calls/{call}", persona="tom", scope="write"
    ),
    ("post", "/api/v1/community/follows/calls/{call_id}/stop"): Example(
        "/api/v1/community/follows/calls/{call}/stop", persona="tom", scope="write"
    ),
    ("post", "/api/v1/community/follows/organizations/{slug}"): Example(
        "/api/v1/community/follows/organizations/comune-di-lecco", persona="tom", scope="write"
    ),
    ("post", "/api/v1/community/follows/organizations/{slug}/stop"): Example(
        "/api/v1/community/follows/organizations/comune-di-lecco/stop",
        persona="tom",
        scope="write",
    ),
    ("post", "/api/v1/community/calendar/regenerate"): Example(
        "/api/v1/community/calendar/regenerate", persona="tom", scope="write"
    ),
    ("get", "/api/v1/organizations"): Example("/api/v1/organizations?kind=PUBLIC_BODY&limit=5"),
    # Transparency: the Comune's art. 27 list (its years; a year, empty here, with a message).
    ("get", "/api/v1/transparency/{slug}/art27"): Example(
        "/api/v1/transparency/comune-di-lecco/art27"
    ),
    ("get", "/api/v1/transparency/{slug}/art27/{year}"): Example(
        "/api/v1/transparency/comune-di-lecco/art27/2026?limit=5"
    ),
    ("post", "/api/v1/organizations"): Example(
        "/api/v1/organizations",
        persona="oscar",
        scope="write",
        body={
            "name": "Associazione Esempio",
            "kind": "THIRD_SECTOR",
            "legal_form": "ASSOCIATION",
            "tax_code": tax_code(3),
            "municipality": "Lecco (LC)",
        },
    ),
    ("get", "/api/v1/organizations/{slug}"): Example("/api/v1/organizations/comune-di-lecco"),
    ("get", "/api/v1/organizations/{slug}/members"): Example(
        "/api/v1/organizations/comune-di-lecco/members", persona="eve"
    ),
    # A body's profile, members and invitations, from the organization_examples fixture:
    # tom administers the consortium and the cooperative.
    ("post", "/api/v1/organizations/{slug}/update"): Example(
        "/api/v1/organizations/consorzio-lario/update",
        persona="tom",
        scope="write",
        body={"website": "https://www.consorziolario.it", "description": "Cooperative sociali."},
    ),
    ("post", "/api/v1/organizations/{slug}/security"): Example(
        "/api/v1/organizations/consorzio-lario/security",
        persona="tom",
        scope="write",
        body={"require_2fa": True},
    ),
    ("post", "/api/v1/organizations/{slug}/claim"): Example(
        "/api/v1/organizations/comune-di-lecco/claim",
        persona="oscar",
        scope="write",
        body={"message": "Sono il nuovo segretario comunale."},
    ),
    ("get", "/api/v1/organizations/{slug}/invitations"): Example(
        "/api/v1/organizations/cooperativa-arcobaleno/invitations", persona="tom"
    ),
    ("post", "/api/v1/organizations/{slug}/invitations"): Example(
        "/api/v1/organizations/cooperativa-arcobaleno/invitations",
        persona="tom",
        scope="write",
        body={"email": "nuova@coop.it", "role": "MEMBER"},
    ),
    ("post", "/api/v1/organizations/{slug}/invitations/{invitation_id}/revoke"): Example(
        "/api/v1/organizations/cooperativa-arcobaleno/invitations/{o_invitation}/revoke",
        persona="tom",
        scope="write",
    ),
    ("post", "/api/v1/organizations/{slug}/members/{membership_id}/role"): Example(
        "/api/v1/organizations/consorzio-lario/members/{o_member}/role",
        persona="tom",
        scope="write",
        body={"role": "ADMIN"},
    ),
    ("post", "/api/v1/organizations/{slug}/members/{membership_id}/remove"): Example(
        "/api/v1/organizations/consorzio-lario/members/{o_leaving}/remove",
        persona="tom",
        scope="write",
    ),
    ("get", "/api/v1/territories/regions"): Example("/api/v1/territories/regions"),
    ("get", "/api/v1/territories/provinces"): Example("/api/v1/territories/provinces?region=03"),
    ("get", "/api/v1/territories/municipalities"): Example(
        "/api/v1/territories/municipalities?q=Lecco&province=LC"
    ),
    ("get", "/api/v1/territories/municipalities/{istat_code}"): Example(
        "/api/v1/territories/municipalities/097042"
    ),
    ("get", "/api/v1/me"): Example("/api/v1/me", persona="alice"),
    # Nina's invitations (one by its link's secret, one by id) and oscar's notifications,
    # from the organization_examples fixture.
    ("get", "/api/v1/me/invitations"): Example("/api/v1/me/invitations", persona="nina"),
    ("post", "/api/v1/me/invitations/accept"): Example(
        "/api/v1/me/invitations/accept", persona="nina", scope="write", body={"token": "{o_token}"}
    ),
    ("post", "/api/v1/me/invitations/{invitation_id}/accept"): Example(
        "/api/v1/me/invitations/{o_sent}/accept", persona="nina", scope="write"
    ),
    ("get", "/api/v1/me/notifications"): Example(
        "/api/v1/me/notifications?unread=true", persona="oscar"
    ),
    ("post", "/api/v1/me/notifications/{notification_id}/read"): Example(
        "/api/v1/me/notifications/{o_notification}/read", persona="oscar", scope="write"
    ),
    ("post", "/api/v1/me/notifications/read-all"): Example(
        "/api/v1/me/notifications/read-all", persona="oscar", scope="write"
    ),
    ("get", "/api/v1/me/notifications/preferences"): Example(
        "/api/v1/me/notifications/preferences", persona="oscar"
    ),
    ("post", "/api/v1/me/notifications/preferences"): Example(
        "/api/v1/me/notifications/preferences",
        persona="oscar",
        scope="write",
        body={"choices": {"claim_decided": "digest", "followed_act": "inbox"}},
    ),
    # The ledger: `{…}` in a URL is an entry id from the ledger_examples fixture.
    ("get", "/api/v1/programs"): Example("/api/v1/programs?owner=comune-di-lecco&region=03"),
    ("get", "/api/v1/programs/{slug}"): Example("/api/v1/programs/welfare-comunitario"),
    ("get", "/api/v1/programs/{slug}/entries"): Example(
        "/api/v1/programs/welfare-comunitario/entries?state=pending&limit=5"
    ),
    ("post", "/api/v1/programs/{slug}/entries"): Example(
        "/api/v1/programs/welfare-comunitario/entries",
        persona="pat",
        scope="write",
        body={
            "kind": "PLEDGE",
            "category": "PROFESSIONAL",
            "source": "OWN_RESOURCES",
            "contributor": "cooperativa-arcobaleno",
            "year": 2018,
            "quantity": "120",
            "unit": "HOUR",
            "unit_value": "18.50",
        },
    ),
    ("post", "/api/v1/programs/{slug}/entries/{entry_id}/reverse"): Example(
        "/api/v1/programs/welfare-comunitario/entries/{to_reverse}/reverse",
        persona="tom",
        scope="write",
        body={"reason": "Registrata due volte"},
    ),
    ("post", "/api/v1/programs/{slug}/entries/{entry_id}/verify"): Example(
        "/api/v1/programs/welfare-comunitario/entries/{to_verify}/verify",
        persona="eve",
        scope="write",
        body={"accept": True},
    ),
    ("post", "/api/v1/programs/{slug}/entries/{entry_id}/confirm"): Example(
        "/api/v1/programs/welfare-comunitario/entries/{to_confirm}/confirm",
        persona="fiona",
        scope="write",
        body={"confirmed": True},
    ),
    ("post", "/api/v1/programs/{slug}/entries/{entry_id}/evidence"): Example(
        "/api/v1/programs/welfare-comunitario/entries/{to_verify}/evidence",
        persona="tom",
        scope="write",
        body={"file_name": "ricevuta.pdf", "file_base64": "JVBERi0xLjcKJSVFT0YK"},
    ),
    ("post", "/api/v1/programs"): Example(
        "/api/v1/programs",
        persona="alice",
        scope="write",
        body={
            "owner": "comune-di-lecco",
            "title": "Giovani Lecco",
            "area": "EDUCATION",
            "start_year": 2026,
            "end_year": 2028,
        },
    ),
    ("post", "/api/v1/programs/{slug}/procedures"): Example(
        "/api/v1/programs/welfare-comunitario/procedures",
        persona="eve",
        scope="write",
        body={
            "title": "Avviso 2012",
            "kind": "CO_DESIGN",
            "reference": "DD 5/2012",
            "opened_on": "2012-03-01",
            "closed_on": "2012-06-30",
        },
    ),
    ("get", "/api/v1/figures"): Example(
        "/api/v1/figures?level=province&id=LC&year_from=2016&year_to=2020"
    ),
    # Calls and proposals: ids from the same fixture.
    ("get", "/api/v1/calls"): Example("/api/v1/calls?region=03&limit=5"),
    ("get", "/api/v1/calls/{call_id}"): Example("/api/v1/calls/{call}"),
    ("post", "/api/v1/programs/{slug}/calls"): Example(
        "/api/v1/programs/welfare-comunitario/calls",
        persona="alice",
        scope="write",
        body={
            "title": "Nuovo avviso",
            "description": "Oggetto",
            "deadline": "2030-06-30T12:00:00+02:00",
            "criteria": [{"title": "Qualità", "max_points": "60"}],
        },
    ),
    ("post", "/api/v1/calls/{call_id}/publish"): Example(
        "/api/v1/calls/{draft_call}/publish", persona="eve", scope="write"
    ),
    ("get", "/api/v1/calls/{call_id}/ranking"): Example("/api/v1/calls/{call}/ranking"),
    ("post", "/api/v1/calls/{call_id}/clarifications"): Example(
        "/api/v1/calls/{call}/clarifications",
        persona="tom",
        scope="write",
        body={"question": "Le ODV possono essere capofila?"},
    ),
    ("post", "/api/v1/calls/{call_id}/clarifications/{clarification_id}/answer"): Example(
        "/api/v1/calls/{call}/clarifications/{clarification}/answer",
        persona="eve",
        scope="write",
        body={"answer": "Sì, se iscritte al RUNTS."},
    ),
    ("post", "/api/v1/calls/{call_id}/extend"): Example(
        "/api/v1/calls/{call}/extend",
        persona="alice",
        scope="write",
        body={"deadline": "2040-06-30T12:00:00+02:00", "reason": "Richieste dei partecipanti"},
    ),
    # Revising, cancelling and documenting a call; a co-programming from the interest of the
    # bodies to the co-design it starts: ids from the coprogramming_examples fixture.
    ("post", "/api/v1/calls/{call_id}/update"): Example(
        "/api/v1/calls/{c_draft}/update",
        persona="eve",
        scope="write",
        body={
            "title": "Avviso rivisto",
            "description": "Oggetto",
            "deadline": "2030-06-30T12:00:00+02:00",
            "criteria": [{"title": "Qualità", "max_points": "60"}],
            "budget": [{"year": 2018, "amount": "50000.00"}],
        },
    ),
    ("post", "/api/v1/calls/{call_id}/cancel"): Example(
        "/api/v1/calls/{c_to_cancel}/cancel",
        persona="eve",
        scope="write",
        body={"reason": "Avviso sostituito"},
    ),
    ("post", "/api/v1/calls/{call_id}/documents"): Example(
        "/api/v1/calls/{call}/documents",
        persona="eve",
        scope="write",
        body={
            "title": "Modulo di domanda",
            "file_name": "modulo.pdf",
            "file_base64": "JVBERi0xLjcKJSVFT0YK",
        },
    ),
    ("post", "/api/v1/calls/{call_id}/interest"): Example(
        "/api/v1/calls/{c_open}/interest",
        persona="tom",
        scope="write",
        body={"organization": "consorzio-lario", "motivation": "Rete giovani"},
    ),
    ("post", "/api/v1/calls/{call_id}/participants"): Example(
        "/api/v1/calls/{c_to_admit}/participants",
        persona="alice",
        scope="write",
        body={"decisions": [{"organization": "consorzio-lario", "admit": True}]},
    ),
    ("post", "/api/v1/calls/{call_id}/meetings"): Example(
        "/api/v1/calls/{c_working}/meetings",
        persona="alice",
        scope="write",
        body={
            "title": "Tavolo lavoro",
            "held_at": "2030-03-02T17:00:00+01:00",
            "agenda": "Bisogni; risorse",
        },
    ),
    ("post", "/api/v1/calls/{call_id}/meetings/{meeting_id}/minutes"): Example(
        "/api/v1/calls/{c_working}/meetings/{c_table}/minutes",
        persona="alice",
        scope="write",
        body={"minutes": "Emersi tre bisogni.", "attendees": ["consorzio-lario"]},
    ),
    ("post", "/api/v1/calls/{call_id}/contributions"): Example(
        "/api/v1/calls/{c_working}/contributions",
        persona="tom",
        scope="write",
        body={"organization": "consorzio-lario", "kind": "RESOURCE", "text": "Spazi"},
    ),
    ("post", "/api/v1/calls/{call_id}/conclude"): Example(
        "/api/v1/calls/{c_to_conclude}/conclude",
        persona="alice",
        scope="write",
        body={"final_document": "Piano: tre azioni per i giovani."},
    ),
    ("post", "/api/v1/calls/{call_id}/codesign"): Example(
        "/api/v1/calls/{c_concluded}/codesign",
        persona="alice",
        scope="write",
        body={"title": "Co-progettazione giovani"},
    ),
    ("get", "/api/v1/ocds/releases"): Example("/api/v1/ocds/releases?limit=2&date_from=2018-01-01"),
    ("get", "/api/v1/ocds/records"): Example("/api/v1/ocds/records?limit=2"),
    ("get", "/api/v1/ocds/procedures/{call_id}/releases"): Example(
        "/api/v1/ocds/procedures/{closing_call}/releases"
    ),
    ("get", "/api/v1/ocds/procedures/{call_id}/record"): Example(
        "/api/v1/ocds/procedures/{closing_call}/record"
    ),
    ("post", "/api/v1/calls/{call_id}/proposals"): Example(
        "/api/v1/calls/{call}/proposals",
        persona="tom",
        scope="write",
        body={"lead": "cooperativa-arcobaleno", "title": "Nuova versione", "sections": {}},
    ),
    ("post", "/api/v1/proposals/{proposal_id}/submit"): Example(
        "/api/v1/proposals/{to_submit}/submit", persona="tom", scope="write"
    ),
    ("post", "/api/v1/proposals/{proposal_id}/withdraw"): Example(
        "/api/v1/proposals/{to_withdraw}/withdraw", persona="tom", scope="write"
    ),
    # The evaluation desk: ids from the evaluation_examples fixture.
    ("post", "/api/v1/calls/{call_id}/commission"): Example(
        "/api/v1/calls/{e_closed}/commission",
        persona="alice",
        scope="write",
        body={"email": "oscar@trama.test", "chair": False},
    ),
    ("post", "/api/v1/calls/{call_id}/evaluation"): Example(
        "/api/v1/calls/{e_closed}/evaluation", persona="alice", scope="write"
    ),
    ("post", "/api/v1/calls/{call_id}/declaration"): Example(
        "/api/v1/calls/{e_closed}/declaration",
        persona="eve",
        scope="write",
        body={"has_conflict": False},
    ),
    ("post", "/api/v1/calls/{call_id}/receipts/{number}/protocol"): Example(
        "/api/v1/calls/{e_closed}/receipts/{e_receipt}/protocol",
        persona="alice",
        scope="write",
        body={"protocol_number": "PG 1234/2026"},
    ),
    ("post", "/api/v1/proposals/{proposal_id}/admission"): Example(
        "/api/v1/proposals/{e_to_admit}/admission",
        persona="alice",
        scope="write",
        body={"admit": True, "reason": "Requisiti presenti"},
    ),
    ("post", "/api/v1/proposals/{proposal_id}/document-requests"): Example(
        "/api/v1/proposals/{e_to_complete}/document-requests",
        persona="alice",
        scope="write",
        body={"text": "Manca lo statuto", "deadline": "2040-06-30T12:00:00+02:00"},
    ),
    ("post", "/api/v1/proposals/{proposal_id}/scores"): Example(
        "/api/v1/proposals/{e_to_score}/scores",
        persona="eve",
        scope="write",
        body={"scores": [{"criterion": "{e_criterion}", "points": "72.5", "rationale": "Solido"}]},
    ),
    ("post", "/api/v1/calls/{call_id}/ranking"): Example(
        "/api/v1/calls/{e_to_rank}/ranking",
        persona="alice",
        scope="write",
        body={"protocol_number": "PG 1235/2026"},
    ),
    # A draft's partnership, plan and documents, and a new version: tom administers the
    # lead bodies of `prop_draft` and `prop_submitted` and the partners invited to the draft.
    ("post", "/api/v1/proposals/{proposal_id}/partners"): Example(
        "/api/v1/proposals/{prop_draft}/partners",
        persona="tom",
        scope="write",
        body={"organization": "cooperativa-filo"},
    ),
    ("post", "/api/v1/proposals/{proposal_id}/partners/{slug}/confirm"): Example(
        "/api/v1/proposals/{prop_draft}/partners/cooperativa-arcobaleno/confirm",
        persona="tom",
        scope="write",
    ),
    ("post", "/api/v1/proposals/{proposal_id}/partners/{slug}/remove"): Example(
        "/api/v1/proposals/{prop_draft}/partners/consorzio-lario/remove",
        persona="tom",
        scope="write",
    ),
    ("post", "/api/v1/proposals/{proposal_id}/budget-lines"): Example(
        "/api/v1/proposals/{prop_draft}/budget-lines",
        persona="tom",
        scope="write",
        body={
            "contributor": "cooperativa-arcobaleno",
            "category": "PROFESSIONAL",
            "year": 2018,
            "description": "Ore di educatore",
            "quantity": "120",
            "unit_value": "18.50",
        },
    ),
    ("post", "/api/v1/proposals/{proposal_id}/budget-lines/{line_id}/remove"): Example(
        "/api/v1/proposals/{prop_draft}/budget-lines/{prop_line}/remove",
        persona="tom",
        scope="write",
    ),
    ("post", "/api/v1/proposals/{proposal_id}/files"): Example(
        "/api/v1/proposals/{prop_draft}/files",
        persona="tom",
        scope="write",
        body={"file_name": "statuto.pdf", "file_base64": "JVBERi0xLjcKJSVFT0YK"},
    ),
    ("post", "/api/v1/proposals/{proposal_id}/files/{file_id}/replace"): Example(
        "/api/v1/proposals/{prop_draft}/files/{prop_file}/replace",
        persona="tom",
        scope="write",
        body={"file_name": "domanda-firmata.pdf", "file_base64": "JVBERi0xLjcKJSVFT0YK"},
    ),
    ("post", "/api/v1/proposals/{proposal_id}/files/{file_id}/remove"): Example(
        "/api/v1/proposals/{prop_draft}/files/{prop_file_2}/remove",
        persona="tom",
        scope="write",
    ),
    ("post", "/api/v1/proposals/{proposal_id}/document-requests/{request_id}/files"): Example(
        "/api/v1/proposals/{prop_evaluated}/document-requests/{prop_request}/files",
        persona="tom",
        scope="write",
        body={"file_name": "statuto.pdf", "file_base64": "JVBERi0xLjcKJSVFT0YK"},
    ),
    ("post", "/api/v1/proposals/{proposal_id}/new-version"): Example(
        "/api/v1/proposals/{prop_submitted}/new-version", persona="tom", scope="write"
    ),
    # Co-production: agreements from the same fixture.
    ("post", "/api/v1/agreements/{agreement_id}/reports/{number}/submit"): Example(
        "/api/v1/agreements/{agreement}/reports/2/submit", persona="tom", scope="write"
    ),
    ("post", "/api/v1/agreements/{agreement_id}/reports/{number}/verify"): Example(
        "/api/v1/agreements/{agreement}/reports/1/verify",
        persona="alice",
        scope="write",
        body={"accept": True},
    ),
    ("post", "/api/v1/agreements/{agreement_id}/tranches/{tranche_id}/payment"): Example(
        "/api/v1/agreements/{agreement}/tranches/{tranche}/payment",
        persona="alice",
        scope="write",
        body={"paid_on": "2018-01-20", "amount": "10000.00", "order_number": "M-1"},
    ),
    ("post", "/api/v1/agreements/{agreement_id}/close"): Example(
        "/api/v1/agreements/{closing}/close",
        persona="alice",
        scope="write",
        body={"act_number": "DD 1/2020", "act_date": "2020-03-01", "reasons": "Concluso"},
    ),
    ("post", "/api/v1/agreements/{agreement_id}/terminate"): Example(
        "/api/v1/agreements/{to_terminate}/terminate",
        persona="alice",
        scope="write",
        body={"reasons": "Servizio non più sostenibile", "act_number": "DD 2/2019"},
    ),
    ("post", "/api/v1/agreements/{agreement_id}/reports/{number}"): Example(
        "/api/v1/agreements/{reporting}/reports/1",
        persona="tom",
        scope="write",
        body={
            "activities": "Sportello aperto",
            "public_summary": "Lo sportello è aperto",
            "beneficiaries": [{"group": "FAMILIES", "count": 12}],
        },
    ),
    ("post", "/api/v1/agreements/{agreement_id}/reports/{number}/lines"): Example(
        "/api/v1/agreements/{reporting}/reports/1/lines",
        persona="pat",
        scope="write",
        body={
            "contributor": "cooperativa-arcobaleno",
            "source": "OWN_RESOURCES",
            "category": "PROFESSIONAL",
            "year": 2018,
            "quantity": "40",
            "unit": "HOUR",
            "unit_value": "20.00",
            "description": "Educatori",
        },
    ),
    ("post", "/api/v1/agreements/{agreement_id}/reports/{number}/lines/{line_id}/update"): Example(
        "/api/v1/agreements/{reporting}/reports/1/lines/{line_to_update}/update",
        persona="pat",
        scope="write",
        body={
            "contributor": "cooperativa-arcobaleno",
            "source": "OWN_RESOURCES",
            "category": "ORGANISATIONAL",
            "year": 2018,
            "amount": "350.00",
            "description": "Sala riunioni",
        },
    ),
    ("post", "/api/v1/agreements/{agreement_id}/reports/{number}/lines/{line_id}/remove"): Example(
        "/api/v1/agreements/{reporting}/reports/1/lines/{line_to_remove}/remove",
        persona="pat",
        scope="write",
    ),
    # The co-design table: ids from the table_examples fixture.
    ("post", "/api/v1/calls/{call_id}/table"): Example(
        "/api/v1/calls/{ranked_call}/table", persona="alice", scope="write"
    ),
    ("post", "/api/v1/calls/{call_id}/table/meetings"): Example(
        "/api/v1/calls/{table_call}/table/meetings",
        persona="alice",
        scope="write",
        body={
            "title": "Terzo incontro",
            "held_at": "2030-06-30T17:00:00+02:00",
            "agenda": "Piano economico",
            "online_link": "https://meet.example.org/tavolo",
        },
    ),
    ("post", "/api/v1/table/meetings/{meeting_id}/minutes"): Example(
        "/api/v1/table/meetings/{to_minute}/minutes",
        persona="alice",
        scope="write",
        body={
            "minutes": "Si concordano gli obiettivi.",
            "attendance": [{"organization": "consorzio-lario", "person_name": "Tom Verdi"}],
        },
    ),
    ("post", "/api/v1/table/meetings/{meeting_id}/reviews"): Example(
        "/api/v1/table/meetings/{to_review}/reviews",
        persona="tom",
        scope="write",
        body={"organization": "consorzio-lario", "approve": True},
    ),
    ("post", "/api/v1/calls/{call_id}/project/comments"): Example(
        "/api/v1/calls/{table_call}/project/comments",
        persona="tom",
        scope="write",
        body={"section": "qualità-del-progetto", "text": "Aggiungerei gli orari."},
    ),
    ("post", "/api/v1/calls/{call_id}/project/versions"): Example(
        "/api/v1/calls/{table_call}/project/versions",
        persona="tom",
        scope="write",
        body={"base": 1, "text": "## Obiettivi\n\nAbitare insieme.", "summary": "Obiettivi"},
    ),
    ("post", "/api/v1/calls/{call_id}/project/adoption"): Example(
        "/api/v1/calls/{table_call}/project/adoption",
        persona="alice",
        scope="write",
        body={
            "version": 1,
            "act_number": "DD 12/2026",
            "act_date": "2026-01-15",
            "reasons": "Progetto condiviso dal tavolo",
            "file_name": "atto.pdf",
            "file_base64": "JVBERi0xLjcKJSVFT0YK",
        },
    ),
    # Agreements: one drafted and ready to issue, one awaiting signatures.
    ("post", "/api/v1/agreements/{agreement_id}/versions"): Example(
        "/api/v1/agreements/{agreement_to_issue}/versions",
        persona="alice",
        scope="write",
        body={"reason": ""},
    ),
    ("post", "/api/v1/agreements/{agreement_id}/signed-copies"): Example(
        "/api/v1/agreements/{agreement_to_sign}/signed-copies",
        persona="tom",
        scope="write",
        body={
            "party": "cooperativa-arcobaleno",
            "file_name": "convenzione.pdf.p7m",
            "content_base64": base64.b64encode(example_signed_copy()).decode(),
        },
    ),
    # The table's plan and the drafting: from coproduction_examples too.
    ("post", "/api/v1/calls/{call_id}/plan/lines"): Example(
        "/api/v1/calls/{to_draft}/plan/lines",
        persona="tom",
        scope="write",
        body={
            "contributor": "consorzio-lario",
            "source": "OWN_RESOURCES",
            "category": "ECONOMIC",
            "year": 2026,
            "description": "Cofinanziamento",
            "amount": "1500.50",
        },
    ),
    ("post", "/api/v1/calls/{call_id}/plan/lines/{line_id}/remove"): Example(
        "/api/v1/calls/{to_draft}/plan/lines/{plan_line}/remove", persona="alice", scope="write"
    ),
    ("post", "/api/v1/calls/{call_id}/agreement"): Example(
        "/api/v1/calls/{to_draft}/agreement",
        persona="alice",
        scope="write",
        body={
            "object": "Servizi per l'abitare",
            "starts_on": "2026-07-01",
            "ends_on": "2027-06-30",
        },
    ),
    ("post", "/api/v1/agreements/{agreement_id}/update"): Example(
        "/api/v1/agreements/{drafting}/update",
        persona="alice",
        scope="write",
        body={"governance": "Cabina di regia mensile"},
    ),
    ("post", "/api/v1/agreements/{agreement_id}/parts/{part}/{item_id}/remove"): Example(
        "/api/v1/agreements/{drafting}/parts/clause/{drafting_clause}/remove",
        persona="alice",
        scope="write",
    ),
    ("post", "/api/v1/agreements/{agreement_id}/indicators/{indicator_id}/targets"): Example(
        "/api/v1/agreements/{drafting}/indicators/{drafting_indicator}/targets",
        persona="alice",
        scope="write",
        body={"period": 2, "value": "20"},
    ),
    ("post", "/api/v1/agreements/{agreement_id}/parties/{party_id}/update"): Example(
        "/api/v1/agreements/{drafting}/parties/{drafting_lead}/update",
        persona="tom",
        scope="write",
        body={"representative_name": "Laura Conti"},
    ),
    ("post", "/api/v1/agreements/{agreement_id}/parties/{party_id}/withdraw"): Example(
        "/api/v1/agreements/{drafting}/parties/{drafting_partner}/withdraw",
        persona="alice",
        scope="write",
    ),
    ("post", "/api/v1/agreements/{agreement_id}/cancel"): Example(
        "/api/v1/agreements/{to_cancel}/cancel",
        persona="alice",
        scope="write",
        body={"reason": "Risorse non più disponibili"},
    ),
    ("post", "/api/v1/agreements/{agreement_id}/parties/{party_id}/publication"): Example(
        "/api/v1/agreements/{reporting}/parties/{party_to_publish}/publication",
        persona="alice",
        scope="write",
    ),
    # Partnerships, members' shares and territories: from the partnership_examples fixture.
    ("get", "/api/v1/partnerships"): Example("/api/v1/partnerships?kind=INSTITUTIONAL&limit=5"),
    ("get", "/api/v1/partnerships/{slug}"): Example("/api/v1/partnerships/{p_institutional}"),
    ("post", "/api/v1/programs/{slug}/partnership"): Example(
        "/api/v1/programs/{p_second_program}/partnership",
        persona="alice",
        scope="write",
        body={"formed_on": "2018-09-01", "description": "Dal secondo avviso"},
    ),
    ("post", "/api/v1/partnerships/{slug}/update"): Example(
        "/api/v1/partnerships/{p_contractual}/update",
        persona="alice",
        scope="write",
        body={"name": "Alleanza per il welfare di Lecco", "description": "Dal 2006"},
    ),
    ("post", "/api/v1/partnerships/{slug}/coordinators"): Example(
        "/api/v1/partnerships/{p_institutional}/coordinators",
        persona="tom",
        scope="write",
        body={"name": "Tom Verdi", "organization": "consorzio-lario", "role": "Presidente"},
    ),
    ("post", "/api/v1/partnerships/{slug}/coordinators/{coordinator_id}/remove"): Example(
        "/api/v1/partnerships/{p_contractual}/coordinators/{p_coordinator}/remove",
        persona="alice",
        scope="write",
    ),
    ("post", "/api/v1/organizations/{slug}/institution"): Example(
        "/api/v1/organizations/{p_foundation}/institution",
        persona="alice",
        scope="write",
        body={"owner": "comune-di-lecco", "formed_on": "2019-03-01"},
    ),
    ("get", "/api/v1/organizations/{slug}/shares"): Example(
        "/api/v1/organizations/{p_entity}/shares"
    ),
    ("post", "/api/v1/organizations/{slug}/shares"): Example(
        "/api/v1/organizations/{p_entity}/shares",
        persona="tom",
        scope="write",
        body={
            "kind": "ADMISSION",
            "date": "2020-01-01",
            "reference": "Delibera assemblea 3/2019",
            "holdings": [
                {"member": "comune-di-lecco", "share": "49"},
                {"member": "05260180137", "share": "25.50"},
                {"member": "cooperativa-arcobaleno", "share": 15.5},
                {"member": "{p_ponte}", "share": "10"},
            ],
        },
    ),
    ("get", "/api/v1/organizations/{slug}/shares/table"): Example(
        "/api/v1/organizations/{p_entity}/shares/table?on=2017-06-30"
    ),
    ("post", "/api/v1/organizations/{slug}/shares/{act_id}/annul"): Example(
        "/api/v1/organizations/{p_foundation}/shares/{p_to_annul}/annul",
        persona="tom",
        scope="write",
        body={"reason": "Registrato per errore"},
    ),
    ("get", "/api/v1/territories/timeline/{key}"): Example(
        "/api/v1/territories/timeline/province:097?basis=pledged"
    ),
    ("get", "/api/v1/territories/compare"): Example(
        "/api/v1/territories/compare?t=province:097&t=municipality:097042&year_from=2006"
    ),
    ("get", "/api/v1/territories/leverage"): Example("/api/v1/territories/leverage"),
    # Practice sheets and the library: pat (Cooperativa Arcobaleno) joins in the
    # practices_examples fixture.
    ("get", "/api/v1/community/practices"): Example("/api/v1/community/practices?phase=co_design"),
    ("get", "/api/v1/community/practices/{practice_id}"): Example(
        "/api/v1/community/practices/{practice}"
    ),
    ("post", "/api/v1/community/practices"): Example(
        "/api/v1/community/practices",
        persona="pat",
        scope="write",
        body={
            "title": "Orti condivisi",
            "year_from": 2019,
            "phases": ["co_design", "co_production"],
            "actors": [{"organization": "cooperativa-arcobaleno"}, {"name": "Parrocchia"}],
            "declared_additional": "12000.00",
            "declared_source": "Bilancio sociale 2020",
            "publish": True,
        },
    ),
    ("get", "/api/v1/community/library"): Example("/api/v1/community/library?kind=STUDY"),
    ("get", "/api/v1/community/library/{document_id}"): Example(
        "/api/v1/community/library/{document}"
    ),
    ("post", "/api/v1/community/library"): Example(
        "/api/v1/community/library",
        persona="pat",
        scope="write",
        body={
            "kind": "STUDY",
            "title": "Valutare la co-progettazione",
            "description": "Una ricerca.",
            "tags": ["valutazione"],
            "file_name": "studio.pdf",
            "file_base64": "JVBERi0xLjcKJSVFT0YK",
        },
    ),
    ("post", "/api/v1/community/practices/{practice_id}/update"): Example(
        "/api/v1/community/practices/{practice}/update",
        persona="pat",
        scope="write",
        body={
            "title": "Custodi sociali di quartiere",
            "year_from": 2015,
            "year_to": 2019,
            "phases": ["co_design"],
            "actors": [{"organization": "cooperativa-arcobaleno"}],
            "worked": "La rete di vicinato.",
        },
    ),
    ("post", "/api/v1/community/practices/{practice_id}/publish"): Example(
        "/api/v1/community/practices/{draft_practice}/publish", persona="pat", scope="write"
    ),
    ("post", "/api/v1/community/practices/{practice_id}/comments"): Example(
        "/api/v1/community/practices/{practice}/comments",
        persona="pat",
        scope="write",
        body={"text": "Come avete trovato i custodi?"},
    ),
    ("post", "/api/v1/community/library/{document_id}/versions"): Example(
        "/api/v1/community/library/{document}/versions",
        persona="pat",
        scope="write",
        body={
            "note": "Dati 2020",
            "file_name": "studio-2.pdf",
            "file_base64": "JVBERi0xLjcKJSUgMjAyMAolJUVPRgo=",
        },
    ),
    # Alice, an officer of the Comune di Lecco, starts a call from pat's template.
    ("post", "/api/v1/community/library/{document_id}/use"): Example(
        "/api/v1/community/library/{template}/use",
        persona="alice",
        scope="write",
        body={"program": "welfare-comunitario", "title": "Avviso dal modello"},
    ),
    # Community discussions: from the discussion_examples fixture (oscar is an established
    # member of the community).
    ("get", "/api/v1/community/discussions"): Example("/api/v1/community/discussions"),
    ("get", "/api/v1/community/discussions/{slug}/threads"): Example(
        "/api/v1/community/discussions/{d_category}/threads", persona="oscar"
    ),
    ("get", "/api/v1/community/discussions/threads/{thread_id}/posts"): Example(
        "/api/v1/community/discussions/threads/{d_thread}/posts", persona="oscar"
    ),
    ("post", "/api/v1/community/discussions/{slug}/threads"): Example(
        "/api/v1/community/discussions/{d_category}/threads",
        persona="oscar",
        scope="write",
        body={"title": "Avviso o appalto?", "text": "Come distinguerli?", "is_question": True},
    ),
    ("post", "/api/v1/community/discussions/threads/{thread_id}/posts"): Example(
        "/api/v1/community/discussions/threads/{d_thread}/posts",
        persona="oscar",
        scope="write",
        body={"text": "Con una **tabella** di costi."},
    ),
    ("post", "/api/v1/community/discussions/threads/{thread_id}/subscription"): Example(
        "/api/v1/community/discussions/threads/{d_thread}/subscription",
        persona="oscar",
        scope="write",
        body={"delivery": "DIGEST"},
    ),
    ("post", "/api/v1/community/discussions/posts/{post_id}/accept"): Example(
        "/api/v1/community/discussions/posts/{d_answer}/accept", persona="oscar", scope="write"
    ),
    # Webhooks of the Comune di Lecco, managed by alice (an administrator) with her token.
    ("get", "/api/v1/organizations/{slug}/webhooks"): Example(
        "/api/v1/organizations/comune-di-lecco/webhooks", persona="alice"
    ),
    ("post", "/api/v1/organizations/{slug}/webhooks"): Example(
        "/api/v1/organizations/comune-di-lecco/webhooks",
        persona="alice",
        scope="write",
        body={
            "url": "https://portale.regione.example.it/hook",
            "kinds": ["call.published", "agreement.signed"],
            "description": "Portale regionale",
        },
    ),
    ("get", "/api/v1/organizations/{slug}/webhooks/{webhook_id}/deliveries"): Example(
        "/api/v1/organizations/comune-di-lecco/webhooks/{w_webhook}/deliveries", persona="alice"
    ),
    ("post", "/api/v1/organizations/{slug}/webhooks/{webhook_id}/ping"): Example(
        "/api/v1/organizations/comune-di-lecco/webhooks/{w_webhook}/ping",
        persona="alice",
        scope="write",
    ),
    ("post", "/api/v1/organizations/{slug}/webhooks/{webhook_id}/enable"): Example(
        "/api/v1/organizations/comune-di-lecco/webhooks/{w_webhook}/enable",
        persona="alice",
        scope="write",
    ),
    ("post", "/api/v1/organizations/{slug}/webhooks/{webhook_id}/delete"): Example(
        "/api/v1/organizations/comune-di-lecco/webhooks/{w_webhook}/delete",
        persona="alice",
        scope="write",
    ),
}


def documented_operations(doc):
    return {
        (method, path): operation
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def requires_token(doc, operation):
    security = operation.get("security", doc.get("security", []))
    return bool(security) and {} not in security


def perform(client, method, example, headers):
    kwargs = {"headers": headers}
    if example.body is not None:
        kwargs.update(data=example.body, content_type="application/json")
    return getattr(client, method)(example.url, **kwargs)


def assert_matches_schema(instance, schema, doc):
    openapi_schema_validator.validate(
        instance,
        {**schema, "components": doc["components"]},  # so that "#/components/…" resolves
        cls=openapi_schema_validator.OAS31Validator,
        format_checker=openapi_schema_validator.oas31_format_checker,
    )


def test_it_publishes_a_valid_openapi_document(db, client):
    response = client.get(OPENAPI)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    doc = response.json()
    validate(doc)
    assert doc["info"]["title"] == "Trama API"


def test_it_exercises_every_documented_operation(
    personas,
    coproduction_examples,
    table_examples,
    coprogramming_examples,
    evaluation_examples,
    partnership_examples,
    practices_examples,
    event_examples,
    discussion_examples,
    webhook_examples,
    organization_examples,
    client,
    token_for,
    subtests,
):
    doc = client.get(OPENAPI).json()
    operations = documented_operations(doc)

    for (method, path), operation in operations.items():
        example = EXAMPLES.get((method, path))
        if example is None:
            continue
        ids = {
            **coproduction_examples,
            **table_examples,
            **coprogramming_examples,
            **evaluation_examples,
            **partnership_examples,
            **practices_examples,
            **event_examples,
            **discussion_examples,
            **webhook_examples,
            **organization_examples,
        }
        body = example.body
        if body is not None and "holdings" in body:  # a member named by the fixture
            body = {
                **body,
                "holdings": [{**h, "member": h["member"].format(**ids)} for h in body["holdings"]],
            }
        if body is not None and "token" in body:  # an invitation's secret, from the fixture
            body = {**body, "token": body["token"].format(**ids)}
        if body is not None and "scores" in body:  # a criterion named by the fixture
            body = {
                **body,
                "scores": [
                    {**s, "criterion": int(s["criterion"].format(**ids))} for s in body["scores"]
                ],
            }
        example = replace(example, url=example.url.format(**ids), body=body)
        with subtests.test(operation=f"{method.upper()} {path}"):
            template = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))
            assert re.fullmatch(template, example.url.split("?")[0]), "example for another path"
            [status] = [code for code in operation["responses"] if code.startswith("2")]
            if requires_token(doc, operation):
                anonymous = perform(client, method, example, headers={})
                assert anonymous.status_code == 401, "documented as needing a token"
            headers = (
                token_for(getattr(personas, example.persona), example.scope)
                if example.persona
                else {}
            )

            response = perform(client, method, example, headers)

            assert response.status_code == int(status), response.content
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert_matches_schema(response.json(), schema, doc)

    missing = sorted(set(operations) - set(EXAMPLES))
    assert not missing, f"Documented operations with no example request in EXAMPLES: {missing}"
    stale = sorted(set(EXAMPLES) - set(operations))
    assert not stale, f"EXAMPLES for operations the document does not have: {stale}"


def expected_errors(method, path, operation, doc) -> set[int]:
    """The error statuses an operation can return, from what the document says it takes."""
    expected = {429}  # every operation is throttled
    if operation.get("parameters") or "requestBody" in operation:
        expected.add(422)  # a parameter or a body that doesn't match the document
    if "{" in path:
        expected.add(404)  # a path that names nothing visible
    if operation.get("security", doc.get("security")):
        expected.add(401)  # a token that isn't valid, even where none is needed
    if method == "post":
        expected |= {400, 403}  # a rule refuses it; a read-only token
    return expected


def test_every_operation_declares_the_errors_it_can_return(db, client):
    doc = client.get(OPENAPI).json()

    for (method, path), operation in documented_operations(doc).items():
        responses = operation["responses"]
        declared = {int(status) for status in responses if not status.startswith("2")}
        missing = expected_errors(method, path, operation, doc) - declared
        assert not missing, f"{method.upper()} {path} does not declare {sorted(missing)}"
        for status in declared:
            response = responses[str(status)]
            assert response["description"], (method, path, status)
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
        assert "Retry-After" in responses["429"]["headers"], (method, path)


def test_it_declares_the_bounds_of_pages_ids_texts_and_amounts(db, client):
    doc = client.get(OPENAPI).json()
    operations = documented_operations(doc)

    def parameter(method, path, name):
        [found] = [p for p in operations[(method, path)]["parameters"] if p["name"] == name]
        return found["schema"]

    for (method, path), operation in operations.items():
        names = {p["name"] for p in operation.get("parameters", [])}
        if "limit" in names:
            assert parameter(method, path, "limit") | {"minimum": 1, "maximum": 100} == (
                parameter(method, path, "limit")
            ), path
            assert parameter(method, path, "offset")["maximum"] == 1_000_000, path
    call_id = parameter("get", "/api/v1/calls/{call_id}", "call_id")
    assert (call_id["minimum"], call_id["maximum"]) == (1, 2**63 - 1)
    slug = parameter("get", "/api/v1/programs/{slug}", "slug")
    assert slug["maxLength"] == 80 and slug["pattern"]
    entry = doc["components"]["schemas"]["EntryIn"]["properties"]
    assert entry["description"]["maxLength"] == 300
    assert (entry["year"]["minimum"], entry["year"]["maximum"]) == (1990, 2100)
    [as_text, as_number] = entry["unit_value"]["anyOf"][0]["anyOf"]
    assert as_text["type"] == "string" and as_text["pattern"].startswith("^[0-9]")
    assert as_number["type"] == "number" and as_number["exclusiveMinimum"] == 0
    assert as_number["maximum"] == 9999999999.99
    assert doc["components"]["schemas"]["EntryIn"]["additionalProperties"] is False


def test_the_docs_are_a_page_of_the_site_listing_every_operation(db, client):
    doc = client.get(OPENAPI).json()
    # A page like the others: in Italian until the person picks English, whatever the browser.
    response = client.get(DOCS, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-label="Menu principale"' in html  # Trama's header, not a bare Swagger page
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert f'id="{operation["operationId"]}"' in html, (method, path)
            assert path in html
    # Who may call what, as the tokens' scopes say.
    assert html.count("Pubblico: non serve un token") == sum(
        1
        for item in doc["paths"].values()
        for operation in item.values()
        if not operation.get("security") or {} in operation["security"]
    )
    assert "Token con accesso in lettura e scrittura" in html
    assert OPENAPI in html
    assert "<script" not in html.split("<main")[1].split("</main>")[0]


def test_an_unknown_api_url_answers_in_json(client):
    response = client.get("/api/v1/organisations")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def _named_types(annotation, found):
    """The models and enums an annotation reaches (through lists, unions, Annotated…)."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _named_types(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _named_types(argument, found)


def test_no_two_schemas_share_a_name():
    """The document names each model and enum by its class name, and one name holds one
    definition: two classes with the same name (a `CancelIn` in two modules, an enum called
    `Kind` in two apps) would describe one operation's body with the other's fields."""
    found = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _named_types(model, found)
                for response in operation.response_models.values():
                    if response not in (None, NOT_SET):
                        _named_types(response, found)
    by_name = {}
    for cls in found:
        if cls.__name__.startswith(("Ninja", "Params", "Body", "Query", "Path")):
            continue
        by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not shared, shared
