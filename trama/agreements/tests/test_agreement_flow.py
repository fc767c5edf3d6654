"""From the table's plan to the agreement in force: issuing, signing, pledges, amendment."""

import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from trama.agreements.models import AgreementPledge, SignedCopy
from trama.agreements.services import plan, signing
from trama.audit.services import chain_for, verify_chain
from trama.ledger.figures import Basis, Scope, compute_figures
from trama.ledger.models import LedgerEntry, Level
from trama.ledger.rebuild import check_rollups
from trama.notifications.models import Kind, Notification
from trama.partnerships.models import Partnership
from trama.partnerships.network import network_of
from trama.procedures.models import Procedure

from .support_agreement import drafted, in_force, sign_all, signed_copy, table_procedure

pytestmark = pytest.mark.django_db
D = Decimal


def _live_pledges(procedure):
    return LedgerEntry.objects.filter(
        procedure=procedure, kind="PLEDGE", reverses__isnull=True
    ).exclude(pk__in=LedgerEntry.objects.filter(reverses__isnull=False).values("reverses"))


def test_it_refuses_a_grant_whose_funder_is_the_contributor(personas):
    procedure = table_procedure(personas)

    with pytest.raises(ValidationError) as refused:
        plan.add_plan_line(
            procedure,
            by=personas.tom,
            contributor=personas.coop,
            source="FOUNDATION_GRANT",
            category="ECONOMIC",
            year=2026,
            description="Grant",
            amount="1000",
            funder=personas.coop,
        )
    assert "funder" in refused.value.message_dict


def test_each_body_enters_only_its_own_lines(personas):
    procedure = table_procedure(personas)
    with pytest.raises(PermissionDenied):
        plan.add_plan_line(
            procedure,
            by=personas.tom,
            contributor=personas.comune,
            source="PUBLIC_OWNER",
            category="ECONOMIC",
            year=2026,
            description="Contributo",
            amount="1000",
        )
    with pytest.raises(PermissionDenied):
        plan.add_plan_line(
            procedure,
            by=personas.alice,
            contributor=personas.coop,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=2026,
            description="Cofinanziamento",
            amount="1000",
        )


def test_issuing_renders_the_pdf_once_and_keeps_its_sha256(personas, real_pdf):
    agreement = drafted(personas)

    version = signing.issue_agreement(agreement, personas.alice)

    with version.pdf.open("rb") as stored:
        data = stored.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == version.pdf_sha256
    assert version.content["plan"][0]["amount"] and len(version.content["parties"]) == 3
    told = set(
        Notification.objects.filter(kind=Kind.AGREEMENT_TO_SIGN).values_list(
            "recipient__email", flat=True
        )
    )
    assert told == {"alice@trama.test", "tom@trama.test"}


def test_all_signed_brings_the_agreement_into_force_with_the_plan_as_pledges(personas):
    agreement = drafted(personas)
    procedure = agreement.procedure
    version = signing.issue_agreement(agreement, personas.alice)
    sign_all(personas, version)

    procedure.refresh_from_db()
    agreement.refresh_from_db()
    assert procedure.state == Procedure.State.AGREED
    assert agreement.in_force_id == version.pk and agreement.signed_at is not None
    live = _live_pledges(procedure)
    assert sorted(e.amount for e in live) == sorted(
        D(line["amount"]) for line in version.content["plan"]
    )
    assert AgreementPledge.objects.filter(version=version).count() == 4
    reversals = LedgerEntry.objects.filter(procedure=procedure, reverses__isnull=False)
    assert sorted(r.amount for r in reversals) == [D("5000.00"), D("10000.00")]
    figures = compute_figures(Scope(Level.PROCEDURE, procedure.pk), basis=Basis.PLEDGED)
    assert figures.public == D("50000.00")
    assert figures.additional == D("22250.00")
    assert check_rollups().ok
    assert verify_chain(chain_for(procedure)).ok
    # The program's first signed agreement forms its contractual partnership: the two
    # Third-Sector parties are its network from the day of signing (the Comune is the
    # administration it works with, not a member).
    partnership = Partnership.objects.get(program=procedure.program)
    assert partnership.kind == "CONTRACTUAL" and partnership.origin == "AGREEMENT"
    assert partnership.formed_on == timezone.localdate(agreement.signed_at)
    members = network_of([procedure.program_id]).members
    assert {m.organization for m in members} == {personas.consortium, personas.coop}

    # An amendment: the consortium brings more; only its pledge is reversed and re-entered.
    line = procedure.plan_lines.get(contributor=personas.consortium)
    plan.remove_plan_line(line, by=personas.tom)
    plan.add_plan_line(
        procedure,
        by=personas.tom,
        contributor=personas.consortium,
        source="OWN_RESOURCES",
        category="ECONOMIC",
        year=2026,
        description="Cofinanziamento",
        amount="15.000,00",
    )
    with pytest.raises(ValidationError):
        signing.issue_agreement(agreement, personas.alice)  # an amendment gives its reason
    amendment = signing.issue_agreement(agreement, personas.alice, reason="Più risorse")
    sign_all(personas, amendment)

    agreement.refresh_from_db()
    assert agreement.in_force_id == amendment.pk
    assert AgreementPledge.objects.filter(version=amendment).count() == 1
    assert sum(e.amount for e in _live_pledges(procedure) if e.source != "PUBLIC_OWNER") == D(
        "25250.00"
    )
    assert check_rollups().ok
    assert verify_chain(chain_for(procedure)).ok
    assert Partnership.objects.filter(program=procedure.program).count() == 1


def test_a_copy_of_another_document_is_refused_and_nothing_is_kept(personas):
    agreement = drafted(personas)
    version = signing.issue_agreement(agreement, personas.alice)
    party = agreement.parties.get(organization=personas.coop)

    with pytest.raises(ValidationError) as refused:
        signing.sign_agreement(
            version,
            party=party,
            by=personas.tom,
            upload=signed_copy(version, "coop", content=b"%PDF-1.7 altro documento"),
        )

    assert "file" in refused.value.message_dict
    assert not SignedCopy.objects.exists()


def test_a_signer_other_than_the_representative_is_accepted_with_a_warning(personas):
    agreement = drafted(personas)
    version = signing.issue_agreement(agreement, personas.alice)
    party = agreement.parties.get(organization=personas.coop)

    copy = signing.sign_agreement(
        version, party=party, by=personas.tom, upload=signed_copy(version, "consortium")
    )

    assert copy.signer_is_representative is False
    assert copy.signers[0]["tax_code"] == "CNTLRA75B41E507Y"


def test_the_scheduler_starts_the_agreement_on_its_start_date(personas, time_machine):
    import datetime

    agreement = drafted(personas)
    in_force(agreement, signing.issue_agreement(agreement, personas.alice))

    assert signing.start_due_agreements(datetime.date(2026, 6, 30)) == 0
    assert signing.start_due_agreements(datetime.date(2026, 7, 1)) == 1
    assert signing.start_due_agreements(datetime.date(2026, 7, 2)) == 0
    agreement.procedure.refresh_from_db()
    assert agreement.procedure.state == Procedure.State.IN_PROGRESS
