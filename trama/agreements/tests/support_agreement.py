"""Test data for the table's budget plan and the agreement, as plain functions.

`table_procedure` builds a co-design procedure at the table directly (the states before it
are the procedures' tests' business): the consortium's proposal selected, with the coop as
partner, its pledges recorded as at the ranking, the shared project adopted.
"""

import datetime
from decimal import Decimal
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from trama.agreements.models import Agreement
from trama.agreements.services import agreement as drafting
from trama.agreements.services import plan, signing
from trama.ledger.services import record_entry
from trama.lib.tests.signing import make_p7m, make_pdf, signer_identity
from trama.procedures.models import Adoption, Procedure, ProjectVersion, Proposal, ProposalPartner
from trama.programs.services import create_program

REPRESENTATIVES = {
    "comune": ("Mauro Gattinoni", "GTTMRA70A01E507X"),
    "consortium": ("Laura Conti", "CNTLRA75B41E507Y"),
    "coop": ("Paolo Sala", "SLAPLA80C01E507Z"),
}


def table_procedure(personas) -> Procedure:
    """Alice (RUP) runs a co-design at the table with the consortium (lead) and the coop."""
    now = timezone.now()
    program = create_program(
        by=personas.alice,
        owner=personas.comune,
        title="Abitare sociale",
        start_year=2026,
        end_year=2028,
    )
    procedure = Procedure.objects.create(
        program=program,
        owner=personas.comune,
        title="Co-progettazione servizi per l'abitare",
        kind=Procedure.Kind.CO_DESIGN,
        state=Procedure.State.TABLE,
        rup=personas.alice,
        published_at=now,
        deadline=now,
        closed_at=now,
        ranked_at=now,
    )
    proposal = Proposal.objects.create(
        procedure=procedure,
        lead=personas.consortium,
        title="Casa comune",
        state=Proposal.State.SELECTED,
        created_by=personas.tom,
        rank=1,
    )
    ProposalPartner.objects.create(
        proposal=proposal, organization=personas.consortium, role=ProposalPartner.Role.LEAD
    )
    ProposalPartner.objects.create(
        proposal=proposal, organization=personas.coop, role=ProposalPartner.Role.PARTNER
    )
    # The pledges recorded when the ranking was approved.
    for contributor, category, amount in (
        (personas.consortium, "ECONOMIC", "10000.00"),
        (personas.coop, "PROFESSIONAL", "5000.00"),
    ):
        record_entry(
            by=personas.alice,
            program=program,
            contributor=contributor,
            check_permission=False,
            kind="PLEDGE",
            source="OWN_RESOURCES",
            category=category,
            year=2026,
            amount=amount,
            procedure=procedure,
        )
    return procedure


def adopt(personas, procedure) -> Adoption:
    version = ProjectVersion.objects.create(
        procedure=procedure, number=1, text="# Progetto condiviso", created_by=personas.alice
    )
    return Adoption.objects.create(
        procedure=procedure,
        version=version,
        act_number="DD 123/2026",
        act_date=datetime.date(2026, 5, 4),
        reasons="Progetto condiviso al tavolo.",
        file="procedures/adozione.pdf",
        file_name="adozione.pdf",
        file_sha256="0" * 64,
        adopted_by=personas.alice,
    )


def fill_plan(personas, procedure) -> None:
    """The public contribution (money and a space) and the two bodies' pledges."""
    plan.add_plan_line(
        procedure,
        by=personas.alice,
        contributor=personas.comune,
        source="PUBLIC_OWNER",
        category="ECONOMIC",
        year=2026,
        description="Contributo economico",
        amount=Decimal("50000.00"),
    )
    plan.add_plan_line(
        procedure,
        by=personas.tom,
        contributor=personas.consortium,
        source="OWN_RESOURCES",
        category="ECONOMIC",
        year=2026,
        description="Cofinanziamento",
        amount=Decimal("12000.00"),
    )
    plan.add_plan_line(
        procedure,
        by=personas.tom,
        contributor=personas.coop,
        source="FOUNDATION_GRANT",
        category="ECONOMIC",
        year=2026,
        description="Bando Abitare",
        amount=Decimal("8000.00"),
        funder=personas.foundation,
    )
    plan.add_plan_line(
        procedure,
        by=personas.tom,
        contributor=personas.coop,
        source="OWN_RESOURCES",
        category="PROFESSIONAL",
        year=2026,
        description="Educatori",
        quantity=Decimal("100"),
        unit="HOUR",
        unit_value=Decimal("22.50"),
    )


def drafted(personas, procedure=None):
    """The agreement drafted and complete, ready to issue."""
    procedure = procedure or table_procedure(personas)
    if not hasattr(procedure, "adoption"):
        adopt(personas, procedure)
    fill_plan(personas, procedure)
    agreement = Agreement.objects.filter(procedure=procedure).first() or drafting.draft_agreement(
        procedure,
        by=personas.alice,
        object="Servizi di accompagnamento all'abitare",
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2027, 6, 30),
        governance="Cabina di regia trimestrale.",
        obligations="Ogni parte apporta le risorse del piano.",
    )
    names = {
        personas.comune.pk: "comune",
        personas.consortium.pk: "consortium",
        personas.coop.pk: "coop",
    }
    for party in agreement.parties.all():
        name, tax_code = REPRESENTATIVES[names[party.organization_id]]
        drafting.update_party(
            party,
            by=personas.alice,
            representative_name=name,
            representative_tax_code=tax_code,
            legal_basis="Art. 55 D.Lgs. 117/2017",
            office="Servizi sociali",
            official="Alice Rossi",
            selection_method="Avviso pubblico di co-progettazione",
        )
    first = drafting.add_period(
        agreement,
        by=personas.alice,
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2026, 12, 31),
        due_on=datetime.date(2027, 1, 31),
    )
    drafting.add_period(
        agreement,
        by=personas.alice,
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 6, 30),
        due_on=datetime.date(2027, 7, 31),
        is_final=True,
    )
    indicator = drafting.add_indicator(
        agreement, by=personas.alice, name="Nuclei accompagnati", unit="nuclei", baseline=0
    )
    drafting.set_target(indicator, by=personas.alice, period=first, value=Decimal("10"))
    drafting.add_tranche(
        agreement,
        by=personas.alice,
        kind="ADVANCE",
        payee=personas.consortium,
        amount=Decimal("20000.00"),
        due_on=datetime.date(2026, 7, 15),
    )
    drafting.add_tranche(
        agreement,
        by=personas.alice,
        kind="BALANCE",
        payee=personas.consortium,
        amount=Decimal("30000.00"),
        after_period=first,
    )
    drafting.add_clause(
        agreement, by=personas.alice, title="Riservatezza", text="Le parti trattano i dati…"
    )
    return agreement


def signed_copy(version, who: str, *, content: bytes | None = None):
    """The upload of a party's copy signed by its representative (`who`: comune, …)."""
    name, tax_code = REPRESENTATIVES[who]
    key, cert = signer_identity(name, tax_code)
    if content is None:
        with version.pdf.open("rb") as stored:
            content = stored.read()
    return SimpleUploadedFile(f"convenzione-{who}.pdf.p7m", make_p7m(content, key, cert))


def sign_all(personas, version):
    """Every party signs: the Comune (alice), the consortium and the coop (tom)."""
    parties = {p.organization_id: p for p in version.agreement.parties.all()}
    for who, org, user in (
        ("comune", personas.comune, personas.alice),
        ("consortium", personas.consortium, personas.tom),
        ("coop", personas.coop, personas.tom),
    ):
        signing.sign_agreement(
            version, party=parties[org.pk], by=user, upload=signed_copy(version, who)
        )


# A fixed PDF for versions issued in API examples: their signed copy is built in advance.
EXAMPLE_PDF = make_pdf("Convenzione di prova")


def issue_with_pdf(agreement, by, pdf: bytes = EXAMPLE_PDF, reason: str = ""):
    """Issue a version whose PDF is `pdf` (WeasyPrint takes seconds; these tests need bytes)."""
    with mock.patch.object(signing, "render_pdf", lambda content, issued_at=None: pdf):
        return signing.issue_agreement(agreement, by, reason=reason)


def example_signed_copy() -> bytes:
    """The coop's representative's .p7m of EXAMPLE_PDF."""
    key, cert = signer_identity(*REPRESENTATIVES["coop"])
    return make_p7m(EXAMPLE_PDF, key, cert)


def api_examples(personas) -> dict:
    """An agreement ready to issue and one awaiting signatures of EXAMPLE_PDF."""
    to_issue = drafted(personas)
    to_sign = drafted(personas)
    issue_with_pdf(to_sign, personas.alice)
    return {"agreement_to_issue": to_issue.pk, "agreement_to_sign": to_sign.pk}


def in_force(agreement, version, state=Procedure.State.AGREED):
    """A shortcut for tests of what follows the signatures (the signing itself is tested on
    its own): the version in force, the procedure AGREED, without the ledger's pledges."""
    now = timezone.now()
    Procedure.objects.filter(pk=agreement.procedure_id).update(state=state)
    agreement.in_force, agreement.signed_at = version, now
    agreement.save(update_fields=["in_force", "signed_at"])
    version.in_force_at = now
    version.save(update_fields=["in_force_at"])
    agreement.procedure.refresh_from_db()
    return agreement
