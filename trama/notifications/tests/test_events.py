"""Each event lands in the recipient's inbox and mailbox, in plain words, with a working link."""

import pytest
from django.core import mail

from trama.conftest import make_org
from trama.ledger import services as ledger
from trama.notifications.models import Kind, Notification
from trama.organizations import services as orgs
from trama.procedures import services
from trama.procedures.tests.conftest import complete_proposal, rome
from trama.programs.services import create_program

from .helpers import assert_reads_plainly, html_of, link_in, sent_to, the_email_to

pytestmark = pytest.mark.django_db

TITLE = "Co-progettazione servizi per l'abitare"


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run one act with its on-commit e-mails, starting from an empty mailbox."""

    def run(fn, *args, **kwargs):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def follow(client, user, path):
    client.force_login(user)
    return client.get(path)


def only(kind, user) -> Notification:
    """The latest notification of `kind` to `user` (the personas' bodies were told too)."""
    return Notification.objects.filter(kind=kind, recipient=user).latest("pk")


def test_the_rup_is_told_of_a_question_and_the_asker_of_the_answer(bodies, call, act, client):
    clarification = act(
        services.ask_clarification, call, by=bodies.tom, question="Vale l'ISEE & il reddito?"
    )
    row = only(Kind.QUESTION_ASKED, bodies.alice)
    message = the_email_to("alice@trama.test")
    assert_reads_plainly(message, TITLE, "Vale l'ISEE & il reddito?")
    assert message.subject == f"[Trama] Nuova domanda su «{TITLE}»"
    assert row.title in message.subject and row.read_at is None
    assert follow(client, bodies.alice, link_in(message, row)).status_code == 200
    assert "<!doctype html>" in html_of(message) and "l&#x27;abitare" in html_of(message)

    act(services.answer_clarification, clarification, by=bodies.alice, answer="Sì, l'ISEE.")
    message = the_email_to("tom@trama.test")
    assert_reads_plainly(message, TITLE, "Sì, l'ISEE.")
    assert follow(client, bodies.tom, link_in(message, only(Kind.QUESTION_ANSWERED, bodies.tom)))
    assert sent_to("alice@trama.test") == []


def test_a_partner_is_invited_and_the_submitter_gets_a_receipt(bodies, call, act, client):
    proposal = services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="Casa")
    act(services.invite_partner, proposal, by=bodies.tom, organization=bodies.aps)
    message = the_email_to("una@trama.test")
    row = only(Kind.PARTNER_INVITED, bodies.una)
    assert_reads_plainly(message, "Consorzio Lario", "APS Ponte", TITLE)
    assert follow(client, bodies.una, link_in(message, row)).status_code == 200
    assert not Notification.objects.filter(kind=Kind.PARTNER_WITHOUT_ADMIN).exists()

    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.coop, title="Altra casa")
    receipt = act(services.submit_proposal, proposal, by=bodies.tom)
    message = the_email_to("tom@trama.test")
    assert_reads_plainly(message, receipt.number, receipt.sha256, TITLE)
    row = only(Kind.PROPOSAL_RECEIVED, bodies.tom)
    assert follow(client, bodies.tom, link_in(message, row)).status_code == 200


def test_staff_hear_of_a_partner_body_without_administrators(bodies, call, act, client):
    bodies.sam.is_superuser = True
    bodies.sam.save(update_fields=["is_superuser"])
    # Una, the APS's only administrator, closed her account: nobody can confirm for it.
    bodies.una.is_active = False
    bodies.una.save(update_fields=["is_active"])
    proposal = services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="Casa")
    act(services.invite_partner, proposal, by=bodies.tom, organization=bodies.aps)
    assert sent_to("una@trama.test") == []
    message = the_email_to("sam@trama.test")
    assert_reads_plainly(message, "APS Ponte", "Consorzio Lario", TITLE)
    row = only(Kind.PARTNER_WITHOUT_ADMIN, bodies.sam)
    assert follow(client, bodies.sam, link_in(message, row)).status_code == 200


def test_the_evaluation_tells_the_evaluator_and_the_lead(bodies, call, act, client, time_machine):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    services.submit_proposal(proposal, by=bodies.tom)
    time_machine.move_to(rome(2026, 3, 31, 9, 0), tick=False)
    act(services.appoint_evaluator, call, by=bodies.alice, user=bodies.eve)
    message = the_email_to("eve@trama.test")
    assert_reads_plainly(message, TITLE)
    row = only(Kind.EVALUATOR_APPOINTED, bodies.eve)
    assert follow(client, bodies.eve, link_in(message, row)).status_code == 200

    services.start_evaluation(call, by=bodies.alice)
    services.declare_interests(call, by=bodies.alice, has_conflict=False)
    services.declare_interests(call, by=bodies.eve, has_conflict=False)
    act(
        services.request_documents,
        proposal,
        by=bodies.alice,
        text="Manca lo statuto dell'ente.",
        deadline=rome(2026, 4, 10, 12, 0),
    )
    message = the_email_to("tom@trama.test")
    assert_reads_plainly(message, "Manca lo statuto dell'ente.", TITLE)
    row = only(Kind.DOCUMENTS_REQUESTED, bodies.tom)
    assert follow(client, bodies.tom, link_in(message, row)).status_code == 200

    services.decide_admission(proposal, by=bodies.alice, admit=True, reason="Requisiti ok")
    for criterion in call.criteria.all():
        services.score_proposal(
            proposal, by=bodies.eve, criterion=criterion, points="30", rationale="Motivato"
        )
    act(services.approve_ranking, call, by=bodies.alice)
    message = the_email_to("tom@trama.test")
    assert_reads_plainly(message, TITLE)
    row = only(Kind.OUTCOME_PUBLISHED, bodies.tom)
    assert follow(client, bodies.tom, link_in(message, row)).status_code == 200


def test_organisations_acts_reach_staff_and_administrators(personas, act, client):
    personas.sam.is_superuser = True
    personas.sam.save(update_fields=["is_superuser"])
    org = act(make_org, "Cooperativa l'Arca & C.", by=personas.oscar, tax_code="00743110157")
    message = the_email_to("sam@trama.test")
    assert_reads_plainly(message, "Cooperativa l'Arca & C.", "Oscar Costa")
    row = only(Kind.BODY_TO_VERIFY, personas.sam)
    assert follow(client, personas.sam, link_in(message, row)).status_code == 200

    claim = act(orgs.claim_organization, org, by=personas.pat, message="Sono la presidente")
    message = the_email_to("sam@trama.test")
    assert_reads_plainly(message, "Cooperativa l'Arca & C.", "Sono la presidente")
    row = only(Kind.CLAIM_SUBMITTED, personas.sam)
    assert follow(client, personas.sam, link_in(message, row)).status_code == 200

    act(orgs.decide_claim, claim, by=personas.sam, approve=True)
    message = the_email_to("pat@trama.test")
    assert_reads_plainly(message, "Cooperativa l'Arca & C.")
    row = only(Kind.CLAIM_DECIDED, personas.pat)
    assert follow(client, personas.pat, link_in(message, row)).status_code == 200
    # The founding administrator hears what the staff did to the body.
    message = the_email_to("oscar@trama.test")
    row = only(Kind.STAFF_ACT, personas.oscar)
    assert follow(client, personas.oscar, link_in(message, row)).status_code == 200


@pytest.fixture
def program(personas):
    personas.foundation.refresh_from_db()
    return create_program(
        by=personas.alice,
        owner=personas.comune,
        title="Welfare per l'abitare",
        start_year=2016,
        end_year=2020,
    )


def test_the_ledger_tells_funder_officers_and_contributor(personas, program, act, client):
    p = personas
    grant = act(
        ledger.record_entry,
        by=p.tom,
        program=program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="FOUNDATION_GRANT",
        contributor=p.coop,
        funder=p.foundation,
        grant_reference="Bando Welfare l'abitare 2017",
        year=2017,
        amount="1500.00",
    )
    message = the_email_to("fiona@trama.test")
    assert_reads_plainly(message, "Cooperativa Arcobaleno", "Bando Welfare l'abitare 2017")
    assert "1.500,00" in message.body
    row = only(Kind.GRANT_NAMED, p.fiona)
    assert follow(client, p.fiona, link_in(message, row)).status_code == 200
    # The actual awaits the owning body's verification: its members are asked (Alice and
    # Eve, the comune's members), not the contributor's people.
    assert {n.recipient for n in Notification.objects.filter(kind=Kind.ACTUAL_TO_VERIFY)} == {
        p.alice,
        p.eve,
    }
    message = sent_to("alice@trama.test")[0]
    assert_reads_plainly(message, "Cooperativa Arcobaleno", "Welfare per l'abitare")
    row = only(Kind.ACTUAL_TO_VERIFY, p.alice)
    assert follow(client, p.alice, link_in(message, row)).status_code == 200

    act(ledger.confirm_grant, grant, by=p.fiona, confirmed=False, reason="Importo errato")
    message = the_email_to("tom@trama.test")
    assert_reads_plainly(message, "Fondazione del Lario", "Importo errato")
    row = only(Kind.GRANT_DISPUTED, p.tom)
    assert follow(client, p.tom, link_in(message, row)).status_code == 200

    act(ledger.verify_entry, grant, by=p.alice, accept=False, reason="Manca la delibera")
    message = the_email_to("tom@trama.test")
    assert_reads_plainly(message, "Manca la delibera", "Welfare per l'abitare")
    row = only(Kind.ENTRY_REJECTED, p.tom)
    assert follow(client, p.tom, link_in(message, row)).status_code == 200
    # Nobody is told of their own act.
    assert not Notification.objects.filter(recipient=p.alice, kind=Kind.ENTRY_REJECTED).exists()


def test_a_reminder_before_the_deadline_goes_once(bodies, call, act, client, time_machine):
    proposal = services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="Casa")
    time_machine.move_to(rome(2026, 3, 29, 9, 0), tick=False)
    assert act(services.send_deadline_reminders) == 1
    message = the_email_to("tom@trama.test")
    assert_reads_plainly(message, TITLE)
    assert "lunedì 30 marzo 2026, 12:00 (ora italiana)" in message.body
    row = only(Kind.DEADLINE_NEAR, bodies.tom)
    assert row.path.endswith(f"/proposte/{proposal.pk}/")
    assert follow(client, bodies.tom, link_in(message, row)).status_code == 200
    time_machine.move_to(rome(2026, 3, 29, 10, 0), tick=False)
    assert act(services.send_deadline_reminders) == 0
    assert mail.outbox == []


def test_an_import_tells_each_funder_once_for_all_its_grants(personas, program, act, client):
    rows = [
        {
            "kind": "ACTUAL",
            "category": "ECONOMIC",
            "source": "FOUNDATION_GRANT",
            "contributor": personas.coop,
            "funder": personas.foundation,
            "grant_reference": f"Bando {year}",
            "year": year,
            "amount": "1000.00",
        }
        for year in (2016, 2017, 2018)
    ]
    assert act(ledger.record_entries, by=personas.alice, program=program, rows=rows) == 3
    message = the_email_to("fiona@trama.test")
    assert_reads_plainly(message, "3 contributi da confermare in «Welfare per l'abitare»")
    row = only(Kind.GRANT_NAMED, personas.fiona)
    assert follow(client, personas.fiona, link_in(message, row)).status_code == 200
    assert len(mail.outbox) == 1  # the officer who imported is not told of their own act
