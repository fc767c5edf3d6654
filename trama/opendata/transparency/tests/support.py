"""Test data for the transparency pages: one agreement through the services, others as rows.

`signed_by_services` runs the real path (draft, issue, in force, publication, payment);
`quick_agreement` writes the rows the list reads (procedure, agreement, parties, tranches)
directly, to reach many rows and several years cheaply.
"""

import datetime
from decimal import Decimal

from stdnum import luhn

from trama.agreements.models import Agreement, Party, Tranche
from trama.agreements.services import agreement as drafting
from trama.agreements.services import payments, plan, signing
from trama.agreements.tests.support_agreement import drafted, in_force, issue_with_pdf
from trama.conftest import make_org
from trama.procedures.models import Procedure

UTC = datetime.UTC


def at(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, 0, tzinfo=UTC)


def body_tax_code(n: int) -> str:
    """A valid 11-digit tax code (as a partita IVA) for test body n."""
    base = f"0777{n:06d}"
    return base + luhn.calc_check_digit(base)


def association(personas, name, n):
    return make_org(name, by=personas.oscar, tax_code=body_tax_code(n))


def signed_by_services(personas, time_machine):
    """Alice's agreement signed on 1 September 2026: 50,000 € to the consortium (20,000 paid
    that day) and 600 € to the coop, both published."""
    time_machine.move_to(at(2026, 9, 1), tick=False)
    agreement = drafted(personas)
    plan.add_plan_line(
        agreement.procedure,
        by=personas.alice,
        contributor=personas.comune,
        source="PUBLIC_OWNER",
        category="ECONOMIC",
        year=2026,
        description="Contributo alla cooperativa",
        amount=Decimal("600.00"),
    )
    drafting.add_tranche(
        agreement,
        by=personas.alice,
        kind="ADVANCE",
        payee=personas.coop,
        amount=Decimal("600.00"),
        due_on=datetime.date(2026, 7, 15),
    )
    version = issue_with_pdf(agreement, personas.alice)
    in_force(agreement, version)
    parties = {p.organization_id: p for p in agreement.parties.all()}
    signing.mark_published(parties[personas.consortium.pk], by=personas.alice)
    signing.mark_published(parties[personas.coop.pk], by=personas.alice)
    advance = agreement.tranches.get(payee=personas.consortium, kind="ADVANCE")
    payments.record_payment(
        advance,
        by=personas.alice,
        paid_on=datetime.date(2026, 9, 1),
        amount=Decimal("20000.00"),
        order_number="Mandato 1187/2026",
    )
    agreement.refresh_from_db()
    return agreement


def quick_agreement(personas, *, title, signed_at, grants, published=True, program=None):
    """A signed agreement of the Comune written as rows: grants is [(organisation, amount)]."""
    program = program or personas.comune.programs.order_by("pk").first()
    procedure = Procedure.objects.create(
        program=program,
        owner=personas.comune,
        title=title,
        kind=Procedure.Kind.CO_DESIGN,
        state=Procedure.State.AGREED,
        rup=personas.alice,
        published_at=signed_at - datetime.timedelta(days=90),
        deadline=signed_at - datetime.timedelta(days=60),
        closed_at=signed_at - datetime.timedelta(days=60),
        ranked_at=signed_at - datetime.timedelta(days=30),
    )
    agreement = Agreement.objects.create(
        procedure=procedure,
        object=f"Oggetto di {title}",
        starts_on=signed_at.date(),
        ends_on=signed_at.date() + datetime.timedelta(days=365),
        signed_at=signed_at,
        created_by=personas.alice,
    )
    Party.objects.create(
        agreement=agreement,
        organization=personas.comune,
        role=Party.Role.PUBLIC_BODY,
        representative_name="Mauro Gattinoni",
    )
    for organization, amount in grants:
        Party.objects.create(
            agreement=agreement,
            organization=organization,
            role=Party.Role.PARTNER,
            representative_name="Rappresentante",
            receives_public_money=True,
            legal_basis="Art. 55 D.Lgs. 117/2017",
            office="Servizi sociali",
            official="Alice Rossi",
            selection_method="Avviso pubblico di co-progettazione",
            published_at=signed_at if published else None,
        )
        Tranche.objects.create(
            agreement=agreement,
            kind=Tranche.Kind.BALANCE,
            payee=organization,
            amount=Decimal(amount),
            due_on=signed_at.date(),
        )
    return agreement


def many_agreements(personas, count, *, payees, amount="100.00", year=2026):
    """`count` signed agreements of the Comune in `year`, each granting `amount` to every
    payee, published: written in bulk (no signals), for the query-count tests."""
    program = personas.comune.programs.order_by("pk").first()
    procedures = Procedure.objects.bulk_create(
        Procedure(
            program=program,
            owner=personas.comune,
            title=f"Progetto {n}",
            kind=Procedure.Kind.CO_DESIGN,
            state=Procedure.State.AGREED,
            rup=personas.alice,
            published_at=at(year, 1, 1 + n % 28),
            ranked_at=at(year, 2, 1 + n % 28),
        )
        for n in range(count)
    )
    agreements = Agreement.objects.bulk_create(
        Agreement(
            procedure=procedure,
            object="Oggetto",
            starts_on=datetime.date(year, 6, 1),
            ends_on=datetime.date(year + 1, 5, 31),
            signed_at=at(year, 6, 1 + n % 28),
            created_by=personas.alice,
        )
        for n, procedure in enumerate(procedures)
    )
    Party.objects.bulk_create(
        Party(
            agreement=agreement,
            organization=payee,
            role=Party.Role.PARTNER,
            representative_name="Rappresentante",
            receives_public_money=True,
            legal_basis="Art. 55 D.Lgs. 117/2017",
            office="Servizi sociali",
            official="Alice Rossi",
            selection_method="Avviso pubblico di co-progettazione",
            published_at=agreement.signed_at,
        )
        for agreement in agreements
        for payee in payees
    )
    Tranche.objects.bulk_create(
        Tranche(
            agreement=agreement,
            kind=Tranche.Kind.BALANCE,
            payee=payee,
            amount=Decimal(amount),
            due_on=agreement.starts_on,
        )
        for agreement in agreements
        for payee in payees
    )
    return agreements
