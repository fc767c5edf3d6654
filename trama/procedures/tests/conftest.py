import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from trama.conftest import make_org, make_user
from trama.organizations.models import Membership
from trama.procedures import services
from trama.programs.services import create_program

ROME = ZoneInfo("Europe/Rome")
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def rome(*args, **kwargs):
    return datetime.datetime(*args, tzinfo=ROME, **kwargs)


def pdf(name="domanda.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def bodies(personas):
    """The consortium and the coop are ETS in RUNTS; Una leads a second, competing one."""
    for org, number in ((personas.consortium, "12345"), (personas.coop, "23456")):
        org.runts_number = number
        org.save(update_fields=["runts_number"])
    personas.una = make_user("una@trama.test", first_name="Una", last_name="Ferri")
    personas.aps = make_org(
        "APS Ponte", by=personas.una, tax_code="92012340136", runts_number="34567"
    )
    # The personas have belonged to their bodies since long before the calls of these tests,
    # whose clock is set in 2026: a membership newer than a submission does not unseal it.
    Membership.objects.update(created_at=rome(2025, 1, 1, 9, 0))
    return personas


@pytest.fixture
def call(bodies, time_machine):
    """Alice (RUP) publishes a co-design call on 1 March 2026, deadline 30 March 12:00."""
    time_machine.move_to(rome(2026, 3, 1, 9, 0), tick=False)
    program = create_program(
        by=bodies.alice,
        owner=bodies.comune,
        title="Welfare comunitario",
        start_year=2026,
        end_year=2028,
    )
    procedure = services.create_call(
        by=bodies.alice,
        program=program,
        title="Co-progettazione servizi per l'abitare",
        description="Servizi di accompagnamento all'abitare per nuclei fragili.",
        deadline=rome(2026, 3, 30, 12, 0),
        clarification_deadline=rome(2026, 3, 20, 12, 0),
        min_score="60",
    )
    services.set_criteria(
        procedure,
        by=bodies.alice,
        criteria=[
            {"title": "Qualità del progetto", "max_points": "60"},
            {"title": "Risorse aggiuntive", "max_points": "40"},
        ],
    )
    services.set_budget(procedure, by=bodies.alice, budget={2026: "100000", 2027: "100000"})
    return services.publish_call(procedure, by=bodies.alice)


@pytest.fixture
def coprogramming(bodies, time_machine):
    time_machine.move_to(rome(2026, 2, 1, 9, 0), tick=False)
    program = create_program(
        by=bodies.alice,
        owner=bodies.comune,
        title="Politiche giovanili",
        start_year=2026,
        end_year=2027,
    )
    procedure = services.create_call(
        by=bodies.alice,
        program=program,
        kind="CO_PROGRAMMING",
        title="Co-programmazione politiche giovanili",
        description="Leggere insieme i bisogni dei giovani del territorio.",
        objectives="Un piano condiviso per tre anni.",
        territory="Ambito di Lecco",
        deadline=rome(2026, 2, 20, 12, 0),
    )
    return services.publish_call(procedure, by=bodies.alice)


def through_review(client, url, data=None, **kwargs):
    """An act behind a review step, as a person does it: open the review, then confirm it."""
    import re

    page = client.get(url)
    assert page.status_code == 200, page.status_code
    token = re.search(rb'name="review_token" value="([^"]+)"', page.content).group(1).decode()
    return client.post(url, {"review_token": token, **(data or {})}, **kwargs)


def complete_proposal(call, *, by, lead, partners=(), title="Casa comune", amount="10000.00"):
    """A draft ready to submit: sections written, budget plan balanced, a signed form."""
    proposal = services.start_proposal(call, by=by, lead=lead, title=title)
    for partner, admin in partners:
        link = services.invite_partner(proposal, by=by, organization=partner)
        services.confirm_participation(link, by=admin)
    services.update_proposal(
        proposal,
        by=by,
        sections={c.pk: f"{title}: risposta al criterio {c.title}" for c in call.criteria.all()},
        budget_total=amount,
    )
    services.add_budget_line(
        proposal,
        by=by,
        contributor=lead,
        source="OWN_RESOURCES",
        category="ECONOMIC",
        year=2026,
        description="Cofinanziamento",
        amount=amount,
    )
    services.attach_file(proposal, by=by, upload=pdf())
    proposal.refresh_from_db()
    return proposal


@pytest.fixture(autouse=True)
def _english_and_private_files(settings, tmp_path):
    """Messages are asserted in English; uploaded files go to a throw-away folder."""
    from django.utils import translation

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    with translation.override("en"):
        yield
