"""A proposal's draft through the API: partners, budget plan, documents, new versions; and
comments on the shared project at the co-design table."""

import base64
import datetime
import hashlib

import pytest
from django.utils import timezone

from trama.conftest import make_user
from trama.organizations.models import Membership
from trama.procedures.models import (
    BudgetLine,
    Proposal,
    ProposalFile,
    ProposalPartner,
    SectionComment,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def post(client, url, headers, body=None):
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def refused(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def file_body(name, content):
    return {"file_name": name, "file_base64": base64.b64encode(content).decode()}


@pytest.fixture
def draft(ledger_examples):
    """The Associazione Trame's draft: tom administers the lead and every body invited."""
    return Proposal.objects.get(pk=ledger_examples["prop_draft"])


def test_the_lead_builds_the_partnership_and_a_partner_confirms(personas, draft, client, token_for):
    tom, pat = token_for(personas.tom, "write"), token_for(personas.pat, "write")
    partners = f"/api/v1/proposals/{draft.pk}/partners"

    invited = post(client, partners, tom, {"organization": "cooperativa-filo"})
    assert invited.status_code == 201, invited.content
    assert invited.json() == {
        "proposal": draft.pk,
        "organization": "cooperativa-filo",
        "role": "PARTNER",
        "confirmed_at": None,
        "has_admin": True,
    }
    assert draft.partners.filter(organization__slug="cooperativa-filo").exists()
    again = post(client, partners, tom, {"organization": "cooperativa-filo"})
    assert refused(again) == (400, "already_partner")
    public_body = post(client, partners, tom, {"organization": "comune-di-lecco"})
    assert refused(public_body) == (400, "not_eligible")
    unknown = post(client, partners, tom, {"organization": "nessuno"})
    assert refused(unknown) == (400, "unknown_organization")
    assert "organization" in unknown.json()["error"]["fields"]
    # Pat reads the draft through the invited Cooperativa, but only the lead's admins act.
    assert refused(post(client, partners, pat, {"organization": "consorzio-lario"})) == (
        403,
        "forbidden",
    )
    outsider = post(client, partners, token_for(personas.oscar, "write"), {"organization": "x-y"})
    assert refused(outsider) == (404, "not_found")
    read_only = post(client, partners, token_for(personas.tom), {"organization": "x-y"})
    assert read_only.status_code == 403
    assert draft.partners.count() == 4  # the lead, the two invited by the fixture, Filo

    confirm = f"{partners}/cooperativa-arcobaleno/confirm"
    assert refused(post(client, confirm, pat)) == (403, "forbidden")  # a member, not an admin
    assert (
        ProposalPartner.objects.get(proposal=draft, organization=personas.coop).confirmed_at is None
    )
    confirmed = post(client, confirm, tom)
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_at"] is not None
    partner = ProposalPartner.objects.get(proposal=draft, organization=personas.coop)
    assert partner.confirmed_by == personas.tom
    assert post(client, confirm, tom).json()["confirmed_at"] == confirmed.json()["confirmed_at"]
    not_in_it = post(client, f"{partners}/comune-di-lecco/confirm", tom)
    assert refused(not_in_it) == (404, "not_found")


def test_removing_a_partner_takes_its_pledges_out_but_the_lead_stays(
    personas, draft, client, token_for
):
    tom = token_for(personas.tom, "write")
    lines = f"/api/v1/proposals/{draft.pk}/budget-lines"
    pledged = post(
        client,
        lines,
        tom,
        {
            "contributor": "consorzio-lario",
            "category": "ECONOMIC",
            "year": 2018,
            "description": "Cofinanziamento",
            "amount": "300.00",
        },
    )
    assert pledged.status_code == 201, pledged.content
    partners = f"/api/v1/proposals/{draft.pk}/partners"

    lead = post(client, f"{partners}/associazione-trame/remove", tom)
    assert refused(lead) == (400, "lead_stays")
    removed = post(client, f"{partners}/consorzio-lario/remove", tom)
    assert removed.status_code == 200
    assert removed.json() == {
        "proposal": draft.pk,
        "organization": "consorzio-lario",
        "lines_removed": 1,
    }
    assert not draft.partners.filter(organization=personas.consortium).exists()
    assert not BudgetLine.objects.filter(pk=pledged.json()["id"]).exists()
    assert refused(post(client, f"{partners}/consorzio-lario/remove", tom)) == (404, "not_found")


def test_the_budget_plan_takes_money_and_in_kind_lines_as_the_page_does(
    personas, draft, ledger_examples, client, token_for
):
    tom = token_for(personas.tom, "write")
    lines = f"/api/v1/proposals/{draft.pk}/budget-lines"
    line = {
        "contributor": "cooperativa-arcobaleno",
        "category": "PROFESSIONAL",
        "year": 2018,
        "description": "Ore di educatore",
    }

    in_kind = post(client, lines, tom, {**line, "quantity": "120", "unit_value": 18.5})
    assert in_kind.status_code == 201, in_kind.content
    body = in_kind.json()
    assert (body["amount"], body["quantity"], body["unit_value"]) == ("2220.00", "120.00", "18.50")
    assert (body["source"], body["contributor"], body["funder"]) == (
        "OWN_RESOURCES",
        "cooperativa-arcobaleno",
        None,
    )
    assert BudgetLine.objects.get(pk=body["id"]).amount == 2220
    half = post(client, lines, tom, {**line, "quantity": "120"})
    assert refused(half) == (400, "quantity_required")
    outside = post(client, lines, tom, {**line, "contributor": "comune-di-lecco", "amount": "5"})
    assert outside.status_code == 400
    assert outside.json()["error"]["fields"]["contributor"][0]["code"] == "not_a_partner"
    decimals = post(client, lines, tom, {**line, "amount": "10.005"})
    assert refused(decimals) == (400, "too_many_decimals")
    public = post(client, lines, tom, {**line, "amount": "5", "source": "PUBLIC_OWNER"})
    assert refused(public) == (400, "not_additional")
    grant = post(client, lines, tom, {**line, "amount": "5", "source": "FOUNDATION_GRANT"})
    assert grant.status_code == 400 and "funder" in grant.json()["error"]["fields"]
    not_a_funder = post(
        client,
        lines,
        tom,
        {**line, "amount": "5", "source": "FOUNDATION_GRANT", "funder": "comune-di-lecco"},
    )
    assert not_a_funder.status_code == 400 and "funder" in not_a_funder.json()["error"]["fields"]
    assert draft.budget_lines.count() == 2  # the fixture's and the in-kind one

    remove = f"{lines}/{ledger_examples['prop_line']}/remove"
    pat = post(client, remove, token_for(personas.pat, "write"))
    assert refused(pat) == (403, "forbidden")
    removed = post(client, remove, tom)
    assert removed.status_code == 200
    assert removed.json() == {"proposal": draft.pk, "id": ledger_examples["prop_line"]}
    assert not BudgetLine.objects.filter(pk=ledger_examples["prop_line"]).exists()
    assert refused(post(client, remove, tom)) == (404, "not_found")


def test_documents_are_checked_as_on_the_page_and_kept_byte_for_byte(
    personas, draft, ledger_examples, client, token_for
):
    tom = token_for(personas.tom, "write")
    files = f"/api/v1/proposals/{draft.pk}/files"

    attached = post(client, files, tom, file_body("statuto.pdf", PDF))
    assert attached.status_code == 201, attached.content
    body = attached.json()
    assert (body["name"], body["size"], body["content_type"]) == (
        "statuto.pdf",
        len(PDF),
        "application/pdf",
    )
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    with ProposalFile.objects.get(pk=body["id"]).file.open("rb") as stored:
        assert stored.read() == PDF
    not_base64 = post(client, files, tom, {"file_name": "a.pdf", "file_base64": "%%%"})
    assert refused(not_base64) == (400, "invalid_base64")
    assert refused(post(client, files, tom, file_body("lettera.docx", PDF))) == (400, "file_type")
    disguised = post(client, files, tom, file_body("domanda.pdf", PNG))
    assert refused(disguised) == (400, "file_content_mismatch")
    assert refused(post(client, files, tom, file_body("vuoto.pdf", b""))) == (
        400,
        "file_content_mismatch",
    )
    long_name = post(client, files, tom, file_body("s" * 250 + ".pdf", PDF))
    assert long_name.status_code == 201 and len(long_name.json()["name"]) == 200
    long_name_id = long_name.json()["id"]
    assert post(client, f"{files}/{long_name_id}/remove", tom).status_code == 200
    assert draft.files.count() == 3  # the fixture's two and the statute

    old = ledger_examples["prop_file"]
    replace = f"{files}/{old}/replace"
    bad = post(client, replace, tom, file_body("domanda.png", PDF))
    assert refused(bad) == (400, "file_content_mismatch")
    assert ProposalFile.objects.filter(pk=old).exists()  # both or neither
    replaced = post(client, replace, tom, file_body("domanda-firmata.png", PNG))
    assert replaced.status_code == 201
    assert replaced.json()["name"] == "domanda-firmata.png" and replaced.json()["id"] != old
    assert not ProposalFile.objects.filter(pk=old).exists()
    assert refused(post(client, replace, tom, file_body("x.pdf", PDF))) == (404, "not_found")

    remove = f"{files}/{ledger_examples['prop_file_2']}/remove"
    assert refused(post(client, remove, token_for(personas.pat, "write"))) == (403, "forbidden")
    assert refused(post(client, remove, token_for(personas.oscar, "write"))) == (404, "not_found")
    removed = post(client, remove, tom)
    assert removed.status_code == 200
    assert sorted(draft.files.values_list("name", flat=True)) == [
        "domanda-firmata.png",
        "statuto.pdf",
    ]


def test_after_the_deadline_a_draft_no_longer_changes(
    personas, draft, ledger_examples, client, token_for, time_machine
):
    time_machine.move_to(timezone.now() + datetime.timedelta(days=31))
    tom = token_for(personas.tom, "write")
    url = f"/api/v1/proposals/{draft.pk}"

    assert refused(post(client, f"{url}/files", tom, file_body("tardi.pdf", PDF))) == (
        403,
        "forbidden",
    )
    assert refused(post(client, f"{url}/partners/consorzio-lario/remove", tom))[0] == 403
    confirm = post(client, f"{url}/partners/cooperativa-arcobaleno/confirm", tom)
    assert refused(confirm) == (400, "deadline_passed")
    assert draft.files.count() == 2 and draft.partners.count() == 3
    new_version = post(
        client, f"/api/v1/proposals/{ledger_examples['prop_submitted']}/new-version", tom
    )
    assert refused(new_version) == (400, "deadline_passed")


def test_a_new_version_copies_the_submitted_proposal_for_its_readers_only(
    personas, ledger_examples, client, token_for
):
    submitted = Proposal.objects.get(pk=ledger_examples["prop_submitted"])
    url = f"/api/v1/proposals/{submitted.pk}/new-version"
    # An administrator who joined the lead body after the submission doesn't know of it.
    nina = make_user("nina@trama.test")
    Membership.objects.create(organization=submitted.lead, user=nina, role=Membership.Role.ADMIN)
    assert refused(post(client, url, token_for(nina, "write"))) == (404, "not_found")
    assert refused(post(client, url, token_for(personas.alice, "write"))) == (404, "not_found")
    assert not Proposal.objects.filter(replaces=submitted).exists()

    started = post(client, url, token_for(personas.tom, "write"))
    assert started.status_code == 201, started.content
    body = started.json()
    assert (body["lead"], body["state"], body["version"], body["submitted_at"]) == (
        "cooperativa-filo",
        "DRAFT",
        2,
        None,
    )
    copy = Proposal.objects.get(pk=body["id"])
    assert copy.replaces == submitted and copy.title == submitted.title
    assert copy.budget_lines.get().amount == submitted.budget_lines.get().amount
    assert copy.files.get().sha256 == submitted.files.get().sha256
    again = post(client, url, token_for(personas.tom, "write"))
    assert refused(again) == (400, "new_version_exists")
    of_a_draft = post(
        client, f"/api/v1/proposals/{copy.pk}/new-version", token_for(personas.tom, "write")
    )
    assert refused(of_a_draft) == (400, "not_submitted")
    assert Proposal.objects.filter(procedure=submitted.procedure, lead=submitted.lead).count() == 2


def test_the_lead_sends_a_requested_document_until_the_request_closes(
    personas, ledger_examples, client, token_for, time_machine
):
    proposal = Proposal.objects.get(pk=ledger_examples["prop_evaluated"])
    url = (
        f"/api/v1/proposals/{proposal.pk}/document-requests/{ledger_examples['prop_request']}/files"
    )
    tom = token_for(personas.tom, "write")

    # The RUP reads the proposal after the deadline, but doesn't answer for its lead.
    assert refused(
        post(client, url, token_for(personas.alice, "write"), file_body("s.pdf", PDF))
    ) == (
        403,
        "forbidden",
    )
    assert refused(
        post(client, url, token_for(personas.oscar, "write"), file_body("s.pdf", PDF))
    ) == (
        404,
        "not_found",
    )
    other = f"/api/v1/proposals/{ledger_examples['prop_draft']}/document-requests/"
    other += f"{ledger_examples['prop_request']}/files"
    assert refused(post(client, other, tom, file_body("s.pdf", PDF))) == (404, "not_found")
    assert refused(post(client, url, tom, file_body("statuto.doc", PDF))) == (400, "file_type")

    sent = post(client, url, tom, file_body("statuto.pdf", PDF))
    assert sent.status_code == 201, sent.content
    stored = ProposalFile.objects.get(pk=sent.json()["id"])
    assert (stored.kind, stored.request_id, stored.sha256) == (
        "INTEGRATION",
        ledger_examples["prop_request"],
        hashlib.sha256(PDF).hexdigest(),
    )
    assert stored.request.answered_at is not None
    assert "statuto" not in proposal.receipt.canonical_json  # the submission stays as it was
    time_machine.move_to(timezone.now() + datetime.timedelta(days=6))
    late = post(client, url, tom, file_body("tardi.pdf", PDF))
    assert refused(late) == (400, "deadline_passed")
    assert proposal.files.filter(kind="INTEGRATION").count() == 1


def test_table_participants_comment_on_a_section_of_the_latest_version(
    personas, table_examples, client, token_for
):
    comments = f"/api/v1/calls/{table_examples['table_call']}/project/comments"
    body = {"section": "qualità-del-progetto", "text": "Aggiungerei gli orari di apertura."}

    assert refused(post(client, comments, token_for(personas.oscar, "write"), body)) == (
        404,
        "not_found",
    )
    ranked = f"/api/v1/calls/{table_examples['ranked_call']}/project/comments"
    assert refused(post(client, ranked, token_for(personas.alice, "write"), body))[0] == 404
    unknown = post(client, comments, token_for(personas.tom, "write"), {**body, "section": "x"})
    assert refused(unknown) == (400, "no_section")
    empty = post(client, comments, token_for(personas.tom, "write"), {**body, "text": "  "})
    assert refused(empty) == (400, "required")
    assert not SectionComment.objects.exists()

    made = post(client, comments, token_for(personas.tom, "write"), body)
    assert made.status_code == 201, made.content
    comment = made.json()
    assert (comment["version"], comment["section"], comment["heading"]) == (
        1,
        "qualità-del-progetto",
        "Qualità del progetto",
    )
    assert comment["call"] == table_examples["table_call"]
    stored = SectionComment.objects.get(pk=comment["id"])
    assert (stored.by, stored.text) == (personas.tom, "Aggiungerei gli orari di apertura.")
    by_officer = post(client, comments, token_for(personas.eve, "write"), body)
    assert by_officer.status_code == 201
