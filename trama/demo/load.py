"""A small, realistic demo: the Lecco territory, Milan and Turin, and one person per persona."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from trama.demo.agreements import load_agreement_in_progress
from trama.demo.calls import load_call_in_evaluation, load_open_call, load_waiting_work
from trama.demo.community import load_community
from trama.demo.discussions import load_discussions
from trama.demo.events import load_events
from trama.demo.ledger import load_lecco_program
from trama.demo.partnerships import load_lecco_partnerships
from trama.demo.practices import load_practices
from trama.opendata.ocds import bulk as ocds_bulk
from trama.organizations import services as org_services
from trama.organizations.models import Membership, Organization
from trama.territories.forms import find_municipality
from trama.territories.services import load_territories

User = get_user_model()

DEMO_PASSWORD = "trama-demo-2026"

PB, TS, FU = Organization.Kind.PUBLIC_BODY, Organization.Kind.THIRD_SECTOR, Organization.Kind.FUNDER
LF = Organization.LegalForm
RS = Organization.RuntsSection
PBT = Organization.PublicBodyType

# Public bodies carry their real tax codes; the other bodies are fictional, with valid codes.
ORGANIZATIONS = [
    dict(
        name="Comune di Lecco",
        kind=PB,
        public_body_type=PBT.MUNICIPALITY,
        legal_form=LF.PUBLIC_ENTITY,
        tax_code="00623530136",
        municipality="Lecco (LC)",
        pec="comune@pec.comunedilecco.it",
        address="Piazza Diaz 1",
        verified=True,
    ),
    dict(
        name="Ambito distrettuale di Lecco",
        kind=PB,
        public_body_type=PBT.AMBITO,
        legal_form=LF.PUBLIC_ENTITY,
        tax_code=None,
        municipality="Lecco (LC)",
        lead_municipality="Lecco (LC)",
        verified=True,
        description="Ufficio di piano dei comuni dell'ambito di Lecco.",
    ),
    dict(
        name="Comune di Milano",
        kind=PB,
        public_body_type=PBT.MUNICIPALITY,
        legal_form=LF.PUBLIC_ENTITY,
        tax_code="01199250158",
        municipality="Milano (MI)",
        verified=True,
    ),
    dict(
        name="Comune di Torino",
        kind=PB,
        public_body_type=PBT.MUNICIPALITY,
        legal_form=LF.PUBLIC_ENTITY,
        tax_code="00514490010",
        municipality="Torino (TO)",
        verified=True,
    ),
    dict(
        name="Consorzio Lario Cooperative Sociali",
        kind=TS,
        legal_form=LF.CONSORTIUM,
        tax_code="05260180137",
        runts_section=RS.SOCIAL_ENTERPRISE,
        runts_number="LC-IS-0001",
        municipality="Lecco (LC)",
        verified=True,
        description="Consorzio di cooperative sociali del territorio lecchese.",
    ),
    dict(
        name="Cooperativa sociale Arcobaleno",
        kind=TS,
        legal_form=LF.SOCIAL_COOPERATIVE,
        tax_code="01590830137",
        runts_section=RS.SOCIAL_ENTERPRISE,
        runts_number="LC-IS-0002",
        municipality="Calolziocorte (LC)",
        verified=True,
    ),
    dict(
        name="Cooperativa sociale Il Sentiero",
        kind=TS,
        legal_form=LF.SOCIAL_COOPERATIVE,
        tax_code="00166130138",
        runts_section=RS.SOCIAL_ENTERPRISE,
        runts_number="LC-IS-0003",
        municipality="Merate (LC)",
    ),
    dict(
        name="Cooperativa sociale La Tela",
        kind=TS,
        legal_form=LF.SOCIAL_COOPERATIVE,
        tax_code="01860910130",
        runts_section=RS.SOCIAL_ENTERPRISE,
        runts_number="LC-IS-0004",
        municipality="Valmadrera (LC)",
    ),
    dict(
        name="Associazione Quartieri Solidali APS",
        kind=TS,
        legal_form=LF.ASSOCIATION,
        tax_code="03909960134",
        runts_section=RS.APS,
        runts_number="LC-APS-0101",
        municipality="Lecco (LC)",
    ),
    dict(
        name="Volontari del Lario ODV",
        kind=TS,
        legal_form=LF.ASSOCIATION,
        tax_code="00308240134",
        runts_section=RS.ODV,
        runts_number="LC-ODV-0202",
        municipality="Mandello del Lario (LC)",
    ),
    dict(
        name="Fondazione Comunitaria del Lario",
        kind=FU,
        legal_form=LF.FOUNDATION,
        tax_code="06281940137",
        runts_section=RS.PHILANTHROPIC,
        runts_number="LC-EF-0001",
        municipality="Lecco (LC)",
        verified=True,
    ),
    dict(
        name="Fondazione Territori Solidali",
        kind=FU,
        legal_form=LF.FOUNDATION,
        tax_code="08219930131",
        municipality="Milano (MI)",
        verified=True,
    ),
]

# One person per persona of CONVENTIONS.md (the anonymous visitor needs no account).
PERSONAS = [
    (
        "rup@demo.trama.it",
        "Giulia",
        "Ferrari",
        "Public-body officer, RUP",
        "Comune di Lecco",
        "ADMIN",
    ),
    (
        "valutatore@demo.trama.it",
        "Marco",
        "Colombo",
        "Evaluator",
        "Ambito distrettuale di Lecco",
        "MEMBER",
    ),
    (
        "ets@demo.trama.it",
        "Chiara",
        "Brambilla",
        "Third-Sector administrator",
        "Consorzio Lario Cooperative Sociali",
        "ADMIN",
    ),
    (
        "partner@demo.trama.it",
        "Luca",
        "Mauri",
        "Member of a partner body",
        "Cooperativa sociale Arcobaleno",
        "MEMBER",
    ),
    (
        "cooperativa@demo.trama.it",
        "Giulia",
        "Fumagalli",
        "Administrator of a partner body",
        "Cooperativa sociale Arcobaleno",
        "ADMIN",
    ),
    (
        "fondazione@demo.trama.it",
        "Elena",
        "Sala",
        "Funder's member",
        "Fondazione Comunitaria del Lario",
        "ADMIN",
    ),
    ("esterno@demo.trama.it", "Paolo", "Riva", "Outsider (no organisation)", None, None),
    ("staff@demo.trama.it", "Sara", "Conti", "Platform staff", None, None),
]


def _user(email, first, last, *, staff=False):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            is_staff=staff,
            is_superuser=staff,
        )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo data if missing; running it again changes nothing."""
    load_territories()
    with transaction.atomic():
        staff = _user("staff@demo.trama.it", "Sara", "Conti", staff=True)
        founders = {}
        for email, first, last, _role, _org, _r in PERSONAS:
            if email != "staff@demo.trama.it":
                founders[email] = _user(email, first, last)
        first_admin = {org: email for email, *_rest, org, role in PERSONAS if role == "ADMIN"}
        for spec in ORGANIZATIONS:
            spec = dict(spec)
            verified = spec.pop("verified", False)
            if Organization.objects.filter(name=spec["name"]).exists():
                continue
            spec["municipality"] = find_municipality(spec["municipality"])
            if spec.get("lead_municipality"):
                spec["lead_municipality"] = find_municipality(spec["lead_municipality"])
            creator = founders.get(first_admin.get(spec["name"]), staff)
            org = org_services.create_organization(by=creator, **spec)
            if creator == staff:
                Membership.objects.filter(organization=org, user=staff).delete()
            if verified:
                org_services.verify_organization(org, by=staff)
        for email, _f, _l, _label, org_name, role in PERSONAS:
            if org_name:
                org = Organization.objects.get(name=org_name)
                Membership.objects.get_or_create(
                    organization=org, user=founders[email], defaults={"role": role}
                )
        load_lecco_program(
            User.objects.get(email="rup@demo.trama.it"), User.objects.get(email="ets@demo.trama.it")
        )
        load_lecco_partnerships(
            User.objects.get(email="rup@demo.trama.it"),
            User.objects.get(email="ets@demo.trama.it"),
            staff,
        )
        call = load_open_call(User.objects.get(email="rup@demo.trama.it"))
        load_waiting_work(User.objects.get(email="ets@demo.trama.it"), call)
        load_call_in_evaluation(
            User.objects.get(email="rup@demo.trama.it"),
            User.objects.get(email="ets@demo.trama.it"),
            User.objects.get(email="valutatore@demo.trama.it"),
        )
        load_agreement_in_progress(
            User.objects.get(email="rup@demo.trama.it"),
            User.objects.get(email="ets@demo.trama.it"),
            User.objects.get(email="cooperativa@demo.trama.it"),
            User.objects.get(email="valutatore@demo.trama.it"),
        )
        load_community(staff)
        load_practices()
        load_events()
        load_discussions(staff)
    # The OCDS bulk files, which the nightly job keeps: the demo's are there from the start.
    ocds_bulk.rebuild()
    return [(email, label, org or "—") for email, _f, _l, label, org, _r in PERSONAS]
