"""Shared fixtures: the personas of CONVENTIONS.md and a database with Italian territories."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache

from trama.organizations import services as org_services
from trama.organizations.models import Membership, Organization
from trama.territories.forms import find_municipality
from trama.territories.models import Municipality
from trama.territories.services import load_territories

User = get_user_model()
PASSWORD = "una-password-lunga-2026"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database holds all Italian municipalities, as production does."""
    with django_db_blocker.unblock():
        load_territories()


def make_user(email, *, staff=False, first_name="", last_name=""):
    user = User.objects.create_user(
        email, PASSWORD, first_name=first_name, last_name=last_name, is_staff=staff
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_org(
    name,
    *,
    by,
    kind=Organization.Kind.THIRD_SECTOR,
    tax_code,
    municipality="Lecco (LC)",
    verified=False,
    **extra,
):
    defaults = {
        Organization.Kind.PUBLIC_BODY: {
            "public_body_type": "MUNICIPALITY",
            "legal_form": "PUBLIC_ENTITY",
        },
        Organization.Kind.THIRD_SECTOR: {"legal_form": "SOCIAL_COOPERATIVE"},
        Organization.Kind.FUNDER: {"legal_form": "FOUNDATION"},
        Organization.Kind.OTHER: {"legal_form": "OTHER"},
    }[kind]
    org = org_services.create_organization(
        by=by,
        name=name,
        kind=kind,
        tax_code=tax_code,
        municipality=find_municipality(municipality),
        **{**defaults, **extra},
    )
    if verified:
        staff = User.objects.filter(is_staff=True).first() or make_user(
            "verifier@trama.test", staff=True
        )
        org = org_services.verify_organization(org, by=staff)
    return org


class Personas:
    """alice the RUP, eve the evaluator, tom the Third-Sector admin, pat the partner member,
    fiona the funder's member, oscar the outsider, sam the platform staff."""

    def __init__(self):
        # Transactional tests empty every table afterwards, territories included.
        if not Municipality.objects.exists():
            load_territories()
        self.sam = make_user("sam@trama.test", staff=True, first_name="Sam", last_name="Staff")
        self.alice = make_user("alice@trama.test", first_name="Alice", last_name="Rossi")
        self.eve = make_user("eve@trama.test", first_name="Eve", last_name="Bianchi")
        self.tom = make_user("tom@trama.test", first_name="Tom", last_name="Verdi")
        self.pat = make_user("pat@trama.test", first_name="Pat", last_name="Neri")
        self.fiona = make_user("fiona@trama.test", first_name="Fiona", last_name="Gallo")
        self.oscar = make_user("oscar@trama.test", first_name="Oscar", last_name="Costa")
        self.comune = make_org(
            "Comune di Lecco",
            by=self.alice,
            kind=Organization.Kind.PUBLIC_BODY,
            tax_code="00623530136",
            verified=True,
        )
        Membership.objects.create(
            organization=self.comune, user=self.eve, role=Membership.Role.MEMBER
        )
        self.consortium = make_org("Consorzio Lario", by=self.tom, tax_code="05260180137")
        self.coop = make_org(
            "Cooperativa Arcobaleno",
            by=self.tom,
            tax_code="01590830137",
            municipality="Calolziocorte (LC)",
        )
        Membership.objects.create(
            organization=self.coop, user=self.pat, role=Membership.Role.MEMBER
        )
        self.foundation = make_org(
            "Fondazione del Lario",
            by=self.fiona,
            kind=Organization.Kind.FUNDER,
            tax_code="06281940137",
            verified=True,
        )


@pytest.fixture
def personas(db):
    return Personas()


@pytest.fixture
def client_for(client):
    """client_for(user) signs that user in; client_for(None) stays anonymous."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: each test starts with a clean slate."""
    cache.clear()
