"""The personal area's task list: each task appears with its cause, for the person who can
act, links to the act, and disappears once the act is done through the real services."""
# ruff: noqa: F811  (the procedures fixtures are imported by name)

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.urls import reverse

from trama.conftest import make_org
from trama.ledger import services as ledger
from trama.ledger.tests.factories import lecco_program
from trama.organizations import services as org_services
from trama.organizations.models import Membership
from trama.procedures import services
from trama.procedures.models import Clarification
from trama.procedures.tests.conftest import bodies, call, complete_proposal, pdf, rome  # noqa: F401

pytestmark = pytest.mark.django_db

DASHBOARD = "/area-personale/"


def tasks_of(client, user) -> list[dict]:
    """The tasks on the person's page, as (kind, group, title, cause, note, link) dicts."""
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    found = []
    for group in re.finditer(r'data-group="([^"]*)"(.*?)</section>', html, re.S):
        for item in re.finditer(
            r'<li class="task[^"]*" data-kind="(\w+)">(.*?)</li>', group[2], re.S
        ):
            body = item[2]

            def text(css, body=body):
                match = re.search(rf'class="{css}">(.*?)</p>', body, re.S)
                return unescape(re.sub(r"<[^>]+>", "", match[1])).strip() if match else ""

            link = re.search(r'href="([^"]+)"', body)
            post = re.search(r'form method="post" action="([^"]+)"', body)
            found.append(
                {
                    "kind": item[1],
                    "group": unescape(group[1]),
                    "title": text("task-title"),
                    "cause": text("task-cause"),
                    "note": text("task-note"),
                    "due": text("task-due"),
                    "link": link[1] if link else "",
                    "post": post[1] if post else "",
                }
            )
    return found


def of_kind(found, kind):
    return [task for task in found if task["kind"] == kind]


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_nothing_to_do_says_so_and_what_to_do_next(client, personas):
    client.force_login(personas.oscar)
    html = client.get(DASHBOARD).content.decode()
    assert 'data-testid="nothing-to-do"' in html
    assert reverse("organizations:create") in html and reverse("procedures:calls") in html


def test_the_rup_drafts_and_questions(client, bodies, call, time_machine):
    alice, tom = bodies.alice, bodies.tom
    draft = services.create_call(
        by=alice,
        program=call.program,
        title="Avviso per il trasporto sociale",
        description="Trasporto per persone fragili.",
        deadline=rome(2026, 3, 25, 12, 0),
        clarification_deadline=rome(2026, 3, 15, 12, 0),
    )
    services.set_criteria(draft, by=alice, criteria=[{"title": "Qualità", "max_points": "100"}])
    services.set_budget(draft, by=alice, budget={2026: "50000"})
    question = services.ask_clarification(
        call, by=tom, question="Le spese di personale sono ammissibili?", organization=bodies.coop
    )

    found = tasks_of(client, alice)
    [draft_task] = of_kind(found, "draft_call")
    assert draft_task["group"] == "Comune di Lecco"
    assert draft_task["title"] == "Avviso per il trasporto sociale"
    assert draft_task["link"] == reverse("procedures:call", args=[draft.pk])
    assert "25" in draft_task["due"]  # the deadline and the time left
    [asked] = of_kind(found, "clarification")
    assert "Le spese di personale sono ammissibili?" in asked["cause"]
    # Straight to the question's answer form on the call's page.
    question = Clarification.objects.get(question="Le spese di personale sono ammissibili?")
    assert asked["link"] == f"{reverse('procedures:call', args=[call.pk])}#domanda-{question.pk}"
    client.force_login(alice)
    page = client.get(reverse("procedures:call", args=[call.pk])).content.decode()
    assert f'id="domanda-{question.pk}"' in page
    # Many questions: the first five, and the call's page for the rest.
    for n in range(6):
        services.ask_clarification(call, by=tom, question=f"Domanda numero {n}?")
    client.force_login(alice)
    html = client.get(DASHBOARD).content.decode()
    assert len(of_kind(tasks_of(client, alice), "clarification")) == 5
    assert "Domanda numero 3?" in html and "Domanda numero 4?" not in html
    assert f'href="{reverse("procedures:call", args=[call.pk])}">' in html  # see all 7
    for pending in Clarification.objects.filter(question__startswith="Domanda numero"):
        services.answer_clarification(pending, by=alice, answer="Vedi l'avviso.")
    # The questions and drafts are the RUP's: another officer sees none of them.
    assert of_kind(tasks_of(client, bodies.eve), "clarification") == []

    services.publish_call(draft, by=alice)
    services.answer_clarification(question, by=alice, answer="Sì, nei limiti del piano.")
    found = tasks_of(client, alice)
    assert of_kind(found, "draft_call") == [] and of_kind(found, "clarification") == []


def test_the_lead_and_the_partners_see_what_waits_on_a_draft(client, bodies, call):
    una, tom, pat = bodies.una, bodies.tom, bodies.pat
    proposal = services.start_proposal(call, by=una, lead=bodies.aps, title="Casa di quartiere")
    consortium = services.invite_partner(proposal, by=una, organization=bodies.consortium)
    coop = services.invite_partner(proposal, by=una, organization=bodies.coop)

    [draft] = of_kind(tasks_of(client, una), "draft_proposal")
    assert draft["group"] == "APS Ponte" and draft["title"] == "Casa di quartiere"
    assert "Consorzio Lario" in draft["note"] and "Cooperativa Arcobaleno" in draft["note"]
    assert draft["link"] == reverse("procedures:proposal", args=[proposal.pk])
    # Tom administers both invited bodies: one task each, to confirm.
    asks = of_kind(tasks_of(client, tom), "partner_confirmation")
    assert {task["group"] for task in asks} == {"Consorzio Lario", "Cooperativa Arcobaleno"}
    assert all(task["link"] == reverse("procedures:proposal", args=[proposal.pk]) for task in asks)
    assert all("APS Ponte" in task["cause"] for task in asks)
    # Pat is a member, not an administrator, of the coop: told who can confirm.
    [ask] = of_kind(tasks_of(client, pat), "partner_confirmation")
    assert "Cooperativa Arcobaleno" in ask["note"] and ask["note"]

    services.confirm_participation(consortium, by=tom)
    asks = of_kind(tasks_of(client, tom), "partner_confirmation")
    assert [task["group"] for task in asks] == ["Cooperativa Arcobaleno"]
    [draft] = of_kind(tasks_of(client, una), "draft_proposal")
    assert "Consorzio Lario" not in draft["note"] and "Cooperativa Arcobaleno" in draft["note"]

    services.confirm_participation(coop, by=tom)
    assert of_kind(tasks_of(client, pat), "partner_confirmation") == []
    services.update_proposal(
        proposal,
        by=una,
        sections={c.pk: "Risposta" for c in call.criteria.all()},
        budget_total="5000.00",
    )
    services.add_budget_line(
        proposal,
        by=una,
        contributor=bodies.aps,
        source="OWN_RESOURCES",
        category="ECONOMIC",
        year=2026,
        description="Volontari",
        amount="5000.00",
    )
    services.attach_file(proposal, by=una, upload=pdf())
    services.submit_proposal(proposal, by=una)
    assert of_kind(tasks_of(client, una), "draft_proposal") == []


def test_the_evaluator_declares_then_scores(client, bodies, call, time_machine):
    alice, eve = bodies.alice, bodies.eve
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.coop)
    services.submit_proposal(proposal, by=bodies.tom)
    time_machine.move_to(rome(2026, 3, 31, 9, 0), tick=False)
    services.appoint_evaluator(call, by=alice, user=eve)

    [declare] = of_kind(tasks_of(client, eve), "declaration")
    assert declare["title"] == call.title and declare["group"] == "Comune di Lecco"
    assert declare["link"] == reverse("procedures:desk", args=[call.pk])
    [run] = of_kind(tasks_of(client, alice), "evaluation_to_run")
    assert run["link"] == reverse("procedures:desk", args=[call.pk])

    services.declare_interests(call, by=eve, has_conflict=False)
    assert of_kind(tasks_of(client, eve), "declaration") == []
    services.declare_interests(call, by=alice, has_conflict=False)
    services.start_evaluation(call, by=alice)
    services.decide_admission(proposal, by=alice, admit=True, reason="Requisiti presenti.")

    [score] = of_kind(tasks_of(client, eve), "score")
    assert "Cooperativa Arcobaleno" in score["title"] and "0" in score["cause"]
    assert score["link"] == reverse("procedures:desk", args=[call.pk]) + f"#p-{proposal.pk}"
    first, second = call.criteria.all()
    services.score_proposal(proposal, by=eve, criterion=first, points="40", rationale="Buono.")
    [score] = of_kind(tasks_of(client, eve), "score")
    assert "1" in score["cause"]
    services.score_proposal(proposal, by=eve, criterion=second, points="30", rationale="Ok.")
    assert of_kind(tasks_of(client, eve), "score") == []


def _grant(program, personas, year):
    return ledger.record_entry(
        by=personas.tom,
        program=program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="FOUNDATION_GRANT",
        funder=personas.foundation,
        grant_reference=f"Bando {year}",
        contributor=personas.consortium,
        year=year,
        amount="1000.00",
    )


def test_funder_and_officer_queues_show_the_first_few_and_count_all(
    client, personas, django_assert_max_num_queries
):
    program = lecco_program(personas)
    grants = [_grant(program, personas, 2016 + n % 5) for n in range(12)]

    found = tasks_of(client, personas.fiona)
    confirm = of_kind(found, "grant")
    assert len(confirm) == 5 and {t["group"] for t in confirm} == {"Fondazione del Lario"}
    assert confirm[0]["link"] == reverse("ledger:entry", args=[program.slug, grants[0].pk])
    assert "Consorzio Lario" in confirm[0]["title"] and "Bando 2016" in confirm[0]["note"]
    html = client.get(DASHBOARD).content.decode()
    assert 'data-count="12"' in html and reverse("ledger:funder_queue") in html

    verify = of_kind(tasks_of(client, personas.alice), "verify")
    assert len(verify) == 5 and verify[0]["group"] == "Comune di Lecco"
    html = client.get(DASHBOARD).content.decode()
    assert reverse("ledger:queue", args=[program.slug]) in html
    assert reverse("ledger:import", args=[program.slug]) in html  # the officer's queues

    ledger.confirm_grant(grants[0], by=personas.fiona, confirmed=True)
    ledger.verify_entry(grants[0], by=personas.alice, accept=True)
    confirm = of_kind(tasks_of(client, personas.fiona), "grant")
    assert grants[0].pk not in {int(t["link"].rstrip("/").split("/")[-1]) for t in confirm}
    assert 'data-count="11"' in client.get(DASHBOARD).content.decode()
    verify = of_kind(tasks_of(client, personas.alice), "verify")
    assert 'data-count="11"' in client.get(DASHBOARD).content.decode()

    # Twelve tasks or a thousand: the same few queries (the lists worked out afresh).
    client.force_login(personas.alice)
    cache.clear()
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get(DASHBOARD).status_code == 200
    client.force_login(personas.fiona)
    cache.clear()
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get(DASHBOARD).status_code == 200
    # Seen again with nothing changed, the list is the one kept: only the header's reads.
    with django_assert_max_num_queries(KEPT_BOUND):
        again = client.get(DASHBOARD).content.decode()
    assert 'data-count="11"' in again


# Session and user, the header's memberships and unread notifications, the person's standing,
# then one or two queries per kind of task and the queues: whatever the number of tasks.
# (22: the co-design table's kinds — minutes to approve, projects to adopt — and the
# agreement's — to sign, to issue — one query each; co-production's one query for the
# agreements in progress the person takes part in.)
QUERY_BOUND = 22
# Session, user, the two-factor check, the header's memberships and unread notifications.
KEPT_BOUND = 5


def test_the_ets_page_is_bounded_with_many_drafts_and_partners(
    client, bodies, call, django_assert_max_num_queries
):
    for n in range(3):
        una = bodies.una
        org = bodies.aps if n == 0 else None
        if org is None:
            org = make_org(
                f"APS numero {n}", by=una, tax_code=["97012340135", "97765430158"][n - 1]
            )
            org.runts_number = f"9{n}"
            org.save(update_fields=["runts_number"])
        proposal = services.start_proposal(call, by=una, lead=org, title=f"Proposta {n}")
        services.invite_partner(proposal, by=una, organization=bodies.consortium)
        services.invite_partner(proposal, by=una, organization=bodies.coop)
    assert len(of_kind(tasks_of(client, bodies.una), "draft_proposal")) == 3
    assert len(of_kind(tasks_of(client, bodies.tom), "partner_confirmation")) == 6
    client.force_login(bodies.tom)
    cache.clear()
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get(DASHBOARD).status_code == 200


def test_staff_decide_claims_and_verify_bodies(client, personas):
    claim = org_services.claim_organization(
        personas.consortium, by=personas.oscar, message="Sono il nuovo presidente."
    )
    found = tasks_of(client, personas.sam)
    [asked] = of_kind(found, "claim")
    assert "oscar@trama.test" in asked["cause"] and asked["title"] == "Consorzio Lario"
    assert "/admin/organizations/organizationclaim/" in asked["link"]
    unverified = {task["title"] for task in of_kind(found, "body")}
    assert {"Consorzio Lario", "Cooperativa Arcobaleno"} <= unverified
    assert "Comune di Lecco" not in unverified
    # Nobody else sees the staff's work.
    assert of_kind(tasks_of(client, personas.tom), "claim") == []

    org_services.decide_claim(claim, by=personas.sam, approve=False)
    org_services.verify_organization(personas.consortium, by=personas.sam)
    found = tasks_of(client, personas.sam)
    assert of_kind(found, "claim") == []
    assert "Consorzio Lario" not in {task["title"] for task in of_kind(found, "body")}


def test_an_invitation_is_accepted_from_the_personal_area(client, personas):
    org_services.invite_member(
        personas.consortium, by=personas.tom, email="oscar@trama.test", role="MEMBER"
    )
    [invited] = of_kind(tasks_of(client, personas.oscar), "invitation")
    assert invited["group"] == "Consorzio Lario" and "Tom Verdi" in invited["cause"]
    assert invited["post"]
    response = client.post(invited["post"])
    assert response.status_code == 302 and response["Location"] == "/enti/consorzio-lario/"
    assert Membership.objects.filter(organization=personas.consortium, user=personas.oscar)
    assert of_kind(tasks_of(client, personas.oscar), "invitation") == []
    # Someone else cannot accept it through the same address.
    other = org_services.invite_member(
        personas.foundation, by=personas.fiona, email="oscar@trama.test", role="MEMBER"
    )
    client.force_login(personas.pat)
    client.post(reverse("organizations:invitation_accept", args=[other.pk]))
    assert not Membership.objects.filter(organization=personas.foundation, user=personas.pat)
