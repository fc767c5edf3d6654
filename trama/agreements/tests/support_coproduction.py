"""Test data for co-production: a signed agreement in force, built directly from model rows.

The issuing and signing of the agreement are another module's work; these tests start from
what they leave behind: a co-design procedure IN_PROGRESS with Alice as RUP, the Comune di
Lecco's agreement with the Consorzio Lario (lead, Tom) and the Cooperativa Arcobaleno
(partner, Pat and Tom), two reporting periods (2018, final 2019), one indicator, three
tranches and the pledges of the plan in the ledger.

Figures (hand-computed):
- pledges: Comune PUBLIC_OWNER ECONOMIC 2018 30.000,00; Consorzio OWN_RESOURCES
  PROFESSIONAL 2018 8.000,00; Cooperativa OWN_RESOURCES ORGANISATIONAL 2018 4.000,00;
- tranches: advance 10.000,00 to the Consorzio from 15/01/2018; intermediate 15.000,00 to
  the Consorzio after the 2018 report; balance 5.000,00 to the Cooperativa after the final.
"""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from trama.agreements.models import (
    Agreement,
    AgreementPledge,
    AgreementVersion,
    Indicator,
    Party,
    ReportingPeriod,
    Target,
    Tranche,
)
from trama.ledger.services import record_entry
from trama.ledger.tests import factories
from trama.procedures.models import Procedure

D = Decimal
PDF = b"%PDF-1.7\n% convenzione di prova\n%%EOF\n"


@dataclass
class Coproduction:
    program: object
    procedure: Procedure
    agreement: Agreement
    public: Party
    lead: Party
    partner: Party
    first: ReportingPeriod
    final: ReportingPeriod
    indicator: Indicator
    advance: Tranche
    intermediate: Tranche
    balance: Tranche


def signed_agreement(personas, *, program=None, title="Servizi di comunità") -> Coproduction:
    """Alice's co-design procedure IN_PROGRESS under a signed agreement (see the module)."""
    program = program or factories.lecco_program(personas)
    now = timezone.now()
    procedure = Procedure.objects.create(
        program=program,
        owner=personas.comune,
        title=title,
        kind=Procedure.Kind.CO_DESIGN,
        state=Procedure.State.IN_PROGRESS,
        rup=personas.alice,
        description="Co-progettazione di servizi di comunità",
        published_at=now,
        closed_at=now,
        ranked_at=now,
    )
    agreement = Agreement.objects.create(
        procedure=procedure,
        object="Servizi di comunità nei quartieri di Lecco",
        starts_on=datetime.date(2018, 1, 1),
        ends_on=datetime.date(2019, 12, 31),
        governance="Cabina di regia con un rappresentante per parte.",
        created_by=personas.alice,
    )
    public = Party.objects.create(
        agreement=agreement,
        organization=personas.comune,
        role=Party.Role.PUBLIC_BODY,
        representative_name="Alice Rossi",
    )
    lead = Party.objects.create(
        agreement=agreement,
        organization=personas.consortium,
        role=Party.Role.LEAD,
        representative_name="Tom Verdi",
        receives_public_money=True,
        legal_basis="Art. 55 D.Lgs. 117/2017",
        office="Servizi sociali",
        official="Alice Rossi",
        selection_method="Avviso pubblico di co-progettazione",
        published_at=now,
    )
    partner = Party.objects.create(
        agreement=agreement,
        organization=personas.coop,
        role=Party.Role.PARTNER,
        representative_name="Pat Neri",
        receives_public_money=True,
    )
    first = ReportingPeriod.objects.create(
        agreement=agreement,
        number=1,
        starts_on=datetime.date(2018, 1, 1),
        ends_on=datetime.date(2018, 12, 31),
        due_on=datetime.date(2019, 1, 31),
    )
    final = ReportingPeriod.objects.create(
        agreement=agreement,
        number=2,
        starts_on=datetime.date(2019, 1, 1),
        ends_on=datetime.date(2019, 12, 31),
        due_on=datetime.date(2020, 1, 31),
        is_final=True,
    )
    indicator = Indicator.objects.create(
        agreement=agreement, name="Persone raggiunte", unit="persone", baseline=D("0")
    )
    Target.objects.create(indicator=indicator, period=first, value=D("100"))
    Target.objects.create(indicator=indicator, period=final, value=D("250"))
    advance = Tranche.objects.create(
        agreement=agreement,
        kind=Tranche.Kind.ADVANCE,
        payee=personas.consortium,
        amount=D("10000.00"),
        due_on=datetime.date(2018, 1, 15),
    )
    intermediate = Tranche.objects.create(
        agreement=agreement,
        kind=Tranche.Kind.INTERMEDIATE,
        payee=personas.consortium,
        amount=D("15000.00"),
        after_period=first,
    )
    balance = Tranche.objects.create(
        agreement=agreement,
        kind=Tranche.Kind.BALANCE,
        payee=personas.coop,
        amount=D("5000.00"),
        after_period=final,
    )
    version = AgreementVersion(
        agreement=agreement,
        number=1,
        content={
            "object": agreement.object,
            "parties": [p.organization.name for p in (public, lead, partner)],
        },
        pdf_sha256=hashlib.sha256(PDF).hexdigest(),
        issued_by=personas.alice,
        in_force_at=now,
    )
    version.pdf.save("convenzione-v1.pdf", ContentFile(PDF), save=False)
    version.save()
    agreement.in_force = version
    agreement.signed_at = now
    agreement.save(update_fields=["in_force", "signed_at"])
    for by, contributor, source, category, amount in (
        (personas.alice, personas.comune, "PUBLIC_OWNER", "ECONOMIC", "30000.00"),
        (personas.tom, personas.consortium, "OWN_RESOURCES", "PROFESSIONAL", "8000.00"),
        (personas.tom, personas.coop, "OWN_RESOURCES", "ORGANISATIONAL", "4000.00"),
    ):
        entry = record_entry(
            by=by,
            program=program,
            contributor=contributor,
            check_permission=False,
            kind="PLEDGE",
            source=source,
            category=category,
            year=2018,
            amount=amount,
            procedure=procedure,
            description="Convenzione",
        )
        AgreementPledge.objects.create(
            version=version, key=f"{contributor.pk}:{source}:{category}:2018", entry=entry
        )
    return Coproduction(
        program,
        procedure,
        agreement,
        public,
        lead,
        partner,
        first,
        final,
        indicator,
        advance,
        intermediate,
        balance,
    )
