"""The Lecco program: three co-design calls and ten years of resources (2008–2017).

The totals reproduce the published figures of the reference case: about 41 M€ of public
resources and 9 M€ added by the Third Sector (6 M€ foundation grants, 3 M€ own resources),
a leverage of about 22 % and a multiplier of about 1.22, with a network of contributors
that grows from the first call to the third.
"""

import datetime
from decimal import Decimal

from trama.ledger import services as ledger
from trama.ledger.models import ReferenceRate
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.procedures.services import record_historical_procedure
from trama.programs.models import Program
from trama.programs.services import create_program

YEARS = list(range(2008, 2018))
PUBLIC_PER_YEAR = Decimal("4100000.00")  # 10 years: 41 M€
# Foundation grants and own resources per year, growing with the network (k€): 6 M€ and 3 M€.
GRANTS = [300, 400, 450, 500, 550, 600, 700, 750, 850, 900]
OWN = [150, 200, 220, 250, 280, 300, 350, 370, 420, 460]

CONSORTIUM = "Consorzio Lario Cooperative Sociali"
COOPS = [
    "Cooperativa sociale Arcobaleno",
    "Cooperativa sociale Il Sentiero",
    "Cooperativa sociale La Tela",
]
ASSOCIATIONS = ["Associazione Quartieri Solidali APS", "Volontari del Lario ODV"]
FUNDERS = ["Fondazione Comunitaria del Lario", "Fondazione Territori Solidali"]

CALLS = [
    (
        "Primo avviso di co-progettazione: alleanza con il consorzio",
        "CO_DESIGN",
        2006,
        [CONSORTIUM],
    ),
    ("Secondo avviso: la rete si apre alle associazioni", "CO_DESIGN", 2010, [CONSORTIUM, *COOPS]),
    (
        "Terzo avviso: co-programmazione, co-progettazione e co-produzione",
        "CO_DESIGN",
        2014,
        [CONSORTIUM, *COOPS, *ASSOCIATIONS],
    ),
]


def _network(year):
    """Who brings resources in a year: the consortium, then the coops, then the associations."""
    if year <= 2010:
        return [CONSORTIUM]
    if year <= 2013:
        return [CONSORTIUM, *COOPS]
    return [CONSORTIUM, *COOPS, *ASSOCIATIONS]


def _split(total: Decimal, parts: int) -> list[Decimal]:
    """Split an amount in equal parts to the cent, the remainder on the first part."""
    share = (total / parts).quantize(Decimal("0.01"))
    shares = [share] * parts
    shares[0] += total - share * parts
    return shares


def _rates() -> dict[str, ReferenceRate]:
    rates = {}
    for key, name, unit, value, note in [
        (
            "VOLUNTEER",
            "Volontario (costo di sostituzione, operatore socio-assistenziale)",
            "HOUR",
            "18.00",
            "CCNL cooperative sociali, livello C1, costo orario medio",
        ),
        (
            "EDUCATOR",
            "Educatore professionale",
            "HOUR",
            "22.50",
            "CCNL cooperative sociali, livello D2",
        ),
        (
            "SPACE",
            "Spazi per attività (canone di mercato)",
            "SQM_MONTH",
            "8.00",
            "Osservatorio del mercato immobiliare, Lecco, uso ufficio",
        ),
    ]:
        rates[key], _created = ReferenceRate.objects.get_or_create(
            name=name,
            defaults={
                "unit": unit,
                "value": Decimal(value),
                "source_note": note,
                "valid_from": datetime.date(2006, 1, 1),
            },
        )
    return rates


def load_lecco_program(officer, ets_admin):
    """Create the Lecco program with its history, once."""
    if Program.objects.filter(slug="welfare-comunitario-ambito-di-lecco").exists():
        return Program.objects.get(slug="welfare-comunitario-ambito-di-lecco")
    org = {o.name: o for o in Organization.objects.all()}
    owner = org["Comune di Lecco"]
    rates = _rates()
    program = create_program(
        by=officer,
        owner=owner,
        title="Welfare comunitario — Ambito di Lecco",
        start_year=2006,
        end_year=2018,
        area="SOCIAL_WELFARE",
        description="Tre avvisi successivi di co-progettazione con il Terzo settore, dal 2006.",
    )
    calls = []
    for title, kind, year, participants in CALLS:
        calls.append(
            record_historical_procedure(
                by=officer,
                program=program,
                title=title,
                kind=kind,
                opened_on=datetime.date(year, 3, 1),
                closed_on=datetime.date(year, 6, 30),
                reference=f"Avviso {year}",
                participants=[org[name] for name in participants],
            )
        )

    def call_for(year) -> Procedure:
        return calls[0] if year <= 2010 else calls[1] if year <= 2013 else calls[2]

    def actual(year, contributor, source, amount, category="ECONOMIC", **extra):
        return ledger.record_entry(
            by=officer,
            program=program,
            procedure=call_for(year),
            kind="ACTUAL",
            category=category,
            source=source,
            contributor=org[contributor],
            year=year,
            amount=amount,
            **extra,
        )

    for index, year in enumerate(YEARS):
        actual(
            year,
            "Comune di Lecco",
            "PUBLIC_OWNER",
            PUBLIC_PER_YEAR,
            description="Spesa sociale dei servizi co-progettati",
        )
        network = _network(year)
        for n, (name, grant) in enumerate(
            zip(network, _split(Decimal(GRANTS[index] * 1000), len(network)), strict=True)
        ):
            actual(
                year,
                name,
                "FOUNDATION_GRANT",
                grant,
                category="PROJECT",
                funder=org[FUNDERS[n % 2]],
                grant_reference=f"Bando welfare di comunità {year}",
            )
        own = Decimal(OWN[index] * 1000)
        # Part of the own resources is volunteer time, valued at the replacement cost.
        volunteer_hours = Decimal(1000 + 250 * index)
        volunteers = volunteer_hours * Decimal("18.00")
        ledger.record_entry(
            by=officer,
            program=program,
            procedure=call_for(year),
            kind="ACTUAL",
            category="PROFESSIONAL",
            source="OWN_RESOURCES",
            contributor=org[network[-1]],
            year=year,
            quantity=volunteer_hours,
            rate=rates["VOLUNTEER"],
            description="Ore di volontariato",
        )
        for name, share in zip(network, _split(own - volunteers, len(network)), strict=True):
            actual(
                year,
                name,
                "OWN_RESOURCES",
                share,
                category="ORGANISATIONAL",
                description="Cofinanziamento con risorse proprie",
            )
    # What the third call's partners pledged, to compare with what they brought.
    for year in range(2014, 2018):
        for name in _network(year):
            ledger.record_entry(
                by=officer,
                program=program,
                procedure=calls[2],
                kind="PLEDGE",
                category="ORGANISATIONAL",
                source="OWN_RESOURCES",
                contributor=org[name],
                year=year,
                amount=Decimal("60000.00"),
            )
    # Work in progress for the demo accounts: an actual waiting for the officer's check and a
    # grant waiting for the foundation's confirmation.
    ledger.record_entry(
        by=ets_admin,
        program=program,
        kind="ACTUAL",
        category="ORGANISATIONAL",
        source="OWN_RESOURCES",
        contributor=org[CONSORTIUM],
        year=2018,
        amount=Decimal("25000.00"),
        description="Coordinamento della rete 2018",
    )
    ledger.record_entry(
        by=ets_admin,
        program=program,
        kind="PLEDGE",
        category="PROJECT",
        source="FOUNDATION_GRANT",
        contributor=org[CONSORTIUM],
        year=2018,
        amount=Decimal("120000.00"),
        funder=org[FUNDERS[0]],
        grant_reference="Bando welfare di comunità 2018",
    )
    return program
