"""Around the signatures: task lists, reminders, cancelling at the table, art. 27, amendments
that replace a party, and the workflow's refusal after the end."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from trama.agreements.models import Party
from trama.agreements.services import agreement as drafting
from trama.agreements.services import plan, signing
from trama.audit.services import chain_for, verify_chain
from trama.ledger.models import LedgerEntry
from trama.notifications.models import Kind, Notification
from trama.pages.tests.test_tasks import of_kind, tasks_of
from trama.procedures.models import Procedure

from .support_agreement import adopt, drafted, in_force, sign_all, signed_copy, table_procedure

pytestmark = pytest.mark.django_db


def test_the_rup_and_the_parties_find_their_agreement_tasks(personas, client):
    procedure = table_procedure(personas)
    adopt(personas, procedure)
    [to_draft] = of_kind(tasks_of(client, personas.alice), "agreement_to_issue")
    assert f"/procedimenti/{procedure.pk}/tavolo/convenzione/" in to_draft["link"]

    agreement = drafted(personas, procedure)
    version = signing.issue_agreement(agreement, personas.alice)
    cache.clear()
    assert not of_kind(tasks_of(client, personas.alice), "agreement_to_issue")
    assert len(of_kind(tasks_of(client, personas.tom), "agreement_to_sign")) == 2
    coop = agreement.parties.get(organization=personas.coop)
    signing.sign_agreement(
        version, party=coop, by=personas.tom, upload=signed_copy(version, "coop")
    )
    cache.clear()
    [left] = of_kind(tasks_of(client, personas.tom), "agreement_to_sign")
    assert left["group"] == "Consorzio Lario"
    assert not of_kind(tasks_of(client, personas.oscar), "agreement_to_sign")


def test_reminders_go_once_a_day_to_who_has_not_signed(personas, time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
    agreement = drafted(personas)
    version = signing.issue_agreement(agreement, personas.alice)
    party = agreement.parties.get(organization=personas.comune)
    signing.sign_agreement(
        version, party=party, by=personas.alice, upload=signed_copy(version, "comune")
    )
    assert signing.remind_signatures() == 0  # issued less than a day ago

    time_machine.move_to(datetime.datetime(2026, 6, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    assert signing.remind_signatures() == 1  # tom, for both his bodies, once
    assert signing.remind_signatures() == 0
    reminded = Notification.objects.filter(
        kind=Kind.AGREEMENT_TO_SIGN, created_at__date=datetime.date(2026, 6, 2)
    )
    assert set(reminded.values_list("recipient__email", flat=True)) == {"tom@trama.test"}


def test_the_rup_cancels_at_the_table_and_the_proposal_pledges_are_reversed(personas, client_for):
    from trama.procedures.tests.reviewing import confirm

    agreement = drafted(personas)
    signing.issue_agreement(agreement, personas.alice)

    answer = confirm(
        client_for(personas.alice),
        f"/convenzioni/{agreement.pk}/annulla/",
        {"reason": "Le risorse non sono più disponibili."},
    )

    assert answer.status_code == 302
    procedure = Procedure.objects.get(pk=agreement.procedure_id)
    assert procedure.state == Procedure.State.CANCELLED
    assert LedgerEntry.objects.filter(procedure=procedure, reverses__isnull=False).count() == 2
    assert verify_chain(chain_for(procedure)).ok


def test_art_27_publication_is_recorded_once_the_agreement_is_signed(personas):
    agreement = drafted(personas)
    lead = agreement.parties.get(organization=personas.consortium)
    with pytest.raises(ValidationError):
        signing.mark_published(lead, by=personas.alice)
    in_force(agreement, signing.issue_agreement(agreement, personas.alice))

    signing.mark_published(lead, by=personas.alice)

    lead.refresh_from_db()
    assert lead.published_at is not None
    with pytest.raises(ValidationError):
        signing.mark_published(lead, by=personas.alice)


def test_an_amendment_replaces_a_party_and_nothing_is_amended_after_the_end(personas):
    agreement = drafted(personas)
    sign_all(personas, signing.issue_agreement(agreement, personas.alice))
    coop = agreement.parties.get(organization=personas.coop)
    drafting.withdraw_party(coop, by=personas.alice)
    with pytest.raises(ValidationError):  # its lines would be pledges of a body not a party
        signing.issue_agreement(agreement, personas.alice, reason="Recesso della coop")
    for line in agreement.procedure.plan_lines.filter(contributor=personas.coop):
        plan.remove_plan_line(line, by=personas.alice)  # the officers clear them
    amendment = signing.issue_agreement(agreement, personas.alice, reason="Recesso della coop")
    assert [p["name"] for p in amendment.content["parties"]] == [
        "Comune di Lecco",
        "Consorzio Lario",
    ]
    for who, org, user in (
        ("comune", personas.comune, personas.alice),
        ("consortium", personas.consortium, personas.tom),
    ):
        party = agreement.parties.get(organization=org)
        signing.sign_agreement(amendment, party=party, by=user, upload=signed_copy(amendment, who))
    agreement.refresh_from_db()
    assert agreement.in_force_id == amendment.pk
    live = LedgerEntry.objects.filter(
        procedure=agreement.procedure, contributor=personas.coop, reverses__isnull=True
    ).exclude(pk__in=LedgerEntry.objects.values("reverses"))
    assert not live.exists()  # the coop's pledges were reversed, none re-entered

    Procedure.objects.filter(pk=agreement.procedure_id).update(state=Procedure.State.COMPLETED)
    agreement.refresh_from_db()
    with pytest.raises(ValidationError):
        signing.issue_agreement(agreement, personas.alice, reason="Troppo tardi")
    assert Party.objects.get(pk=coop.pk).active is False
