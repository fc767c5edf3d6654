"""Test data for the agreement's figures, dashboard and public page.

Rows are made directly (the services that create agreements and reports are built
elsewhere); every ledger row goes through the ledger's own services, so the roll-ups the
figures read are right.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from trama.agreements.models import (
    Agreement,
    BeneficiaryCount,
    Indicator,
    IndicatorValue,
    Party,
    Payment,
    Report,
    ReportingPeriod,
    Target,
    Tranche,
)
from trama.ledger.services import record_entries, record_entry
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.programs.services import create_program

YEAR = 2026


def make_agreement(personas, *, signed=True, title="Abitare insieme"):
    """Comune di Lecco (alice is its RUP), the consortium leading, the coop as partner."""
    program = create_program(
        by=personas.alice,
        owner=personas.comune,
        title=f"Programma {title}",
        start_year=YEAR,
        end_year=YEAR + 2,
    )
    procedure = Procedure.objects.create(
        program=program,
        owner=personas.comune,
        title=title,
        kind=Procedure.Kind.CO_DESIGN,
        state=Procedure.State.IN_PROGRESS if signed else Procedure.State.TABLE,
        rup=personas.alice,
        published_at=timezone.now(),
        description="Servizi di accompagnamento all'abitare.",
    )
    agreement = Agreement.objects.create(
        procedure=procedure,
        object="Accompagnamento all'abitare per nuclei fragili",
        starts_on=datetime.date(YEAR, 1, 1),
        ends_on=datetime.date(YEAR + 1, 12, 31),
        signed_at=timezone.now() if signed else None,
        created_by=personas.alice,
    )
    for org, role, name in (
        (personas.comune, Party.Role.PUBLIC_BODY, "Mauro Gattinoni"),
        (personas.consortium, Party.Role.LEAD, "Tom Verdi"),
        (personas.coop, Party.Role.PARTNER, "Paola Neri"),
    ):
        Party.objects.create(
            agreement=agreement,
            organization=org,
            role=role,
            representative_name=name,
            representative_tax_code="VRDTMO80A01E507X",
        )
    return agreement


def entry(agreement, by, contributor, kind, source, amount, *, year=YEAR, **extra):
    procedure = agreement.procedure
    return record_entry(
        by=by,
        program=procedure.program,
        contributor=contributor,
        check_permission=False,
        kind=kind,
        source=source,
        category=extra.pop("category", "ECONOMIC"),
        year=year,
        amount=amount,
        procedure=procedure,
        **extra,
    )


def hand_computed_case(personas, agreement):
    """Pledged 100.000 public, 20.000 own + 10.000 foundation grant; 15.000 own accepted."""
    alice = personas.alice
    entry(agreement, alice, personas.comune, "PLEDGE", "PUBLIC_OWNER", "100000")
    entry(agreement, alice, personas.consortium, "PLEDGE", "OWN_RESOURCES", "20000")
    entry(
        agreement,
        alice,
        personas.coop,
        "PLEDGE",
        "FOUNDATION_GRANT",
        "10000",
        funder=personas.foundation,
        category="PROJECT",
    )
    # Recorded by the owning body's officer: accepted on recording (ledger rule).
    entry(agreement, alice, personas.consortium, "ACTUAL", "OWN_RESOURCES", "15000")


def add_periods(agreement, count=2):
    periods = []
    for number in range(1, count + 1):
        starts = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=30 * (number - 1))
        periods.append(
            ReportingPeriod(
                agreement=agreement,
                number=number,
                starts_on=starts,
                ends_on=starts + datetime.timedelta(days=29),
                due_on=starts + datetime.timedelta(days=45),
                is_final=number == count,
            )
        )
    return ReportingPeriod.objects.bulk_create(periods)


def add_report(period, state, *, by, summary="", activities="", beneficiaries=()):
    report = Report.objects.create(
        agreement=period.agreement,
        period=period,
        state=state,
        activities=activities,
        public_summary=summary,
        submitted_at=timezone.now() if state != Report.State.DRAFT else None,
        submitted_by=by if state != Report.State.DRAFT else None,
    )
    BeneficiaryCount.objects.bulk_create(
        BeneficiaryCount(report=report, group=group, count=count) for group, count in beneficiaries
    )
    return report


def add_indicator(agreement, periods, *, name="Nuclei accompagnati", targets=(), values=()):
    """An indicator with a target per period and values for the given reports."""
    indicator = Indicator.objects.create(agreement=agreement, name=name, unit="nuclei")
    Target.objects.bulk_create(
        Target(indicator=indicator, period=period, value=Decimal(value))
        for period, value in zip(periods, targets, strict=False)
    )
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=indicator, report=report, value=Decimal(value))
        for report, value in values
    )
    return indicator


def add_tranche(agreement, payee, amount, *, after_period=None, due_on=None, kind="ADVANCE"):
    return Tranche.objects.create(
        agreement=agreement,
        kind=kind,
        payee=payee,
        amount=Decimal(amount),
        after_period=after_period,
        due_on=due_on,
    )


def pay(tranche, personas, *, paid_on=None):
    """The payment and its PUBLIC_OWNER actual (accepted: recorded by the owning body)."""
    agreement = tranche.agreement
    ledger_entry = entry(
        agreement,
        personas.alice,
        personas.comune,
        "ACTUAL",
        "PUBLIC_OWNER",
        str(tranche.amount),
        description=f"Mandato tranche {tranche.pk}",
    )
    return Payment.objects.create(
        tranche=tranche,
        paid_on=paid_on or datetime.date(YEAR, 2, 1),
        amount=tranche.amount,
        order_number=f"M-{tranche.pk}",
        entry=ledger_entry,
        recorded_by=personas.alice,
    )


def large_agreement(personas, *, partners=40, reports=20, actuals=5000):
    """An agreement with many partners, periods, reports and actual entries, built in bulk."""
    agreement = make_agreement(personas, title="Grande convenzione")
    municipality = personas.coop.municipality
    orgs = Organization.objects.bulk_create(
        Organization(
            name=f"Partner {number:02d}",
            slug=f"partner-{number:02d}",
            kind=Organization.Kind.THIRD_SECTOR,
            legal_form="SOCIAL_COOPERATIVE",
            municipality=municipality,
        )
        for number in range(partners)
    )
    Party.objects.bulk_create(
        Party(
            agreement=agreement,
            organization=org,
            role=Party.Role.PARTNER,
            representative_name=f"Rappresentante {org.name}",
        )
        for org in orgs
    )
    periods = add_periods(agreement, reports)
    made = Report.objects.bulk_create(
        Report(
            agreement=agreement,
            period=period,
            state=Report.State.ACCEPTED if n % 2 else Report.State.SUBMITTED,
            public_summary=f"Sintesi {period.number}",
        )
        for n, period in enumerate(periods)
    )
    BeneficiaryCount.objects.bulk_create(
        BeneficiaryCount(report=report, group=group, count=count)
        for report in made
        for group, count in (("Famiglie", 12), ("Minori", 2))
    )
    for number in range(3):
        add_indicator(
            agreement,
            periods,
            name=f"Indicatore {number}",
            targets=[10 * (i + 1) for i in range(len(periods))],
            values=[(report, 7 * (i + 1)) for i, report in enumerate(made)],
        )
    for period in periods[:10]:
        add_tranche(
            agreement, personas.consortium, "1000", after_period=period, kind="INTERMEDIATE"
        )
    program = agreement.procedure.program
    rows = [
        {
            "kind": "PLEDGE" if n < partners else "ACTUAL",
            "source": "OWN_RESOURCES",
            "category": "PROFESSIONAL" if n % 3 else "ECONOMIC",
            "contributor": orgs[n % partners],
            "year": YEAR + n % 2,
            "amount": "100.00",
            "procedure": agreement.procedure,
        }
        for n in range(partners + actuals)
    ]
    record_entries(by=personas.alice, program=program, rows=rows)
    return agreement
