"""The Lecco path from contract to institution, and the demo territories' population.

The seed's story: the contractual partnership born of the first co-design call (2006), the
dual-purpose tender that chose the private members (2018), and the social enterprise
created in December 2018, whose members are the ambito (the public partner, 49 %) and the
consortium with its cooperatives (the private partners, 51 %).
"""

import datetime
from decimal import Decimal
from pathlib import Path

from trama.organizations import services as org_services
from trama.organizations.models import Organization
from trama.organizations.shares import record_act
from trama.partnerships import services as partnerships
from trama.partnerships.models import Partnership
from trama.procedures.services import record_historical_procedure
from trama.programs.models import Program
from trama.territories.forms import find_municipality
from trama.territories.services import load_population

from .ledger import CONSORTIUM, COOPS

POPULATION = Path(__file__).parent / "data" / "population.csv"
ENTITY = "Welfare Lecco Impresa Sociale"
AMBITO = "Ambito distrettuale di Lecco"
AMBITO_MUNICIPALITIES = [
    "Lecco (LC)",
    "Valmadrera (LC)",
    "Malgrate (LC)",
    "Calolziocorte (LC)",
    "Merate (LC)",
    "Mandello del Lario (LC)",
]
# The members' shares at the constitution: public 49 %, private 51 %.
SHARES = [(AMBITO, "49.00"), (CONSORTIUM, "21.00"), *[(coop, "10.00") for coop in COOPS]]
CONSTITUTED_ON = datetime.date(2018, 12, 14)


def load_lecco_partnerships(officer, ets_admin, staff):
    """Record the Lecco partnerships once; running it again changes nothing."""
    load_population(POPULATION)
    org = {o.name: o for o in Organization.objects.all()}
    ambito = org[AMBITO]
    if not ambito.member_municipalities.exists():
        ambito.member_municipalities.set([find_municipality(m) for m in AMBITO_MUNICIPALITIES])
    program = Program.objects.get(slug="welfare-comunitario-ambito-di-lecco")
    if Partnership.objects.filter(program=program).exists():
        return
    contractual = partnerships.record_contractual(
        by=officer,
        program=program,
        formed_on=datetime.date(2006, 9, 1),
        name="Alleanza per il welfare comunitario di Lecco",
        description=(
            "Nata dal primo avviso di co-progettazione del 2006 con il consorzio delle "
            "cooperative sociali; aperta alle associazioni nel 2010 e alla comunità nel 2014."
        ),
    )
    partnerships.add_coordinator(
        contractual,
        by=officer,
        name="Giulia Ferrari",
        role="Responsabile del procedimento",
        organization=org["Comune di Lecco"],
        email="rup@demo.trama.it",
    )
    partnerships.add_coordinator(
        contractual,
        by=officer,
        name="Chiara Brambilla",
        role="Coordinamento della rete",
        organization=org[CONSORTIUM],
        email="ets@demo.trama.it",
    )
    record_historical_procedure(
        by=officer,
        program=program,
        title="Scelta dei soci privati dell'impresa sociale",
        kind="DUAL_TENDER",
        opened_on=datetime.date(2018, 3, 1),
        closed_on=datetime.date(2018, 6, 29),
        reference="Gara 2018",
        participants=[org[CONSORTIUM], *[org[coop] for coop in COOPS]],
    )
    entity = org.get(ENTITY) or org_services.create_organization(
        by=ets_admin,
        name=ENTITY,
        kind=Organization.Kind.THIRD_SECTOR,
        legal_form=Organization.LegalForm.SOCIAL_ENTERPRISE,
        runts_section=Organization.RuntsSection.SOCIAL_ENTERPRISE,
        runts_number="LC-IS-0010",
        tax_code="03781250133",
        municipality=find_municipality("Lecco (LC)"),
        description=(
            "Impresa sociale a partecipazione pubblica: soci l'ambito di Lecco e il consorzio "
            "con le sue cooperative, scelti con una gara a doppio oggetto."
        ),
    )
    org_services.verify_organization(entity, by=staff)
    record_act(
        by=ets_admin,
        entity=entity,
        kind="CONSTITUTION",
        date=CONSTITUTED_ON,
        reference="Atto costitutivo, dicembre 2018",
        holdings=[(org[name], Decimal(share)) for name, share in SHARES],
    )
    partnerships.record_institutional(
        by=officer,
        owner=org["Comune di Lecco"],
        entity=entity,
        grew_from=contractual,
        description=(
            "Dopo dodici anni di partenariato contrattualizzato, i Comuni dell'ambito e i "
            "partner del Terzo settore creano un'impresa sociale: soci privati al 51 %."
        ),
    )
