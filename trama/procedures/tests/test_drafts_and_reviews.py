"""A draft call stays editable until it is published, whatever a refused publication said;
the same new-call form sent twice makes one draft; and every act on a call that can't be
undone goes through a review page: GET shows it and changes nothing, the POST from it acts
once, the same POST again acts no more."""

import html

import pytest
from django.urls import reverse

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for
from trama.procedures import services
from trama.procedures.models import Procedure

from .conftest import rome
from .reviewing import review_token
from .test_pages import call_post
from .test_workflow import _evaluate


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_draft_refused_at_publication_is_corrected_on_its_form_and_published(
    bodies, call, client_for, time_machine
):
    alice = client_for(bodies.alice)
    # A draft with a deadline too close and no criterion: saved, but not publishable.
    alice.post(
        reverse("procedures:call_create", args=[call.program.slug]),
        call_post(deadline="2026-03-01T18:00", budget=[("2026", "1.000")]),
    )
    draft = Procedure.objects.get(title="Nuovo avviso")
    page = _text(alice.get(draft.get_absolute_url()))
    assert "Modifica la bozza" in page and "Pubblica l'avviso…" in page
    publish = reverse("procedures:call_publish", args=[draft.pk])
    refused = alice.get(publish, follow=True)
    # Back on the draft's form, as saved, each reason beside the field at fault.
    assert refused.redirect_chain[-1][0].endswith(f"/avvisi/{draft.pk}/modifica/?publish=1")
    form = _text(refused)
    assert 'value="Nuovo avviso"' in form and 'value="1.000"' in form
    deadline_field = form[form.index('name="deadline"') :]
    assert deadline_field.index("almeno un giorno dopo") < deadline_field.index('name="criteria-')
    assert 'data-testid="criteria-error"' in form
    draft.refresh_from_db()
    assert draft.state == "DRAFT"

    # Corrected on the same form, criteria included, then reviewed and published.
    edit = reverse("procedures:call_edit", args=[draft.pk])
    fixed = call_post(
        criteria=[("Qualità", "100")],
        budget=[("2026", "1.000"), ("2027", "2.000")],
        title="Avviso corretto",
        then_publish="1",
    )
    fixed.pop("kind")  # the kind of a draft is fixed: a changed one is ignored
    saved = alice.post(edit, fixed)
    assert saved.status_code == 302 and saved.url == publish
    draft.refresh_from_db()
    assert draft.title == "Avviso corretto" and draft.kind == "CO_DESIGN"
    assert [c.title for c in draft.criteria.all()] == ["Qualità"]
    assert [b.amount for b in draft.budget.all()] == [1000, 2000]
    review = alice.get(publish)
    assert review.status_code == 200 and "Avviso corretto" in _text(review)
    done = alice.post(publish, {"review_token": review_token(review)})
    draft.refresh_from_db()
    assert done.status_code == 302 and draft.state == "PUBLISHED"
    # Once published, the form is gone.
    assert alice.get(edit).status_code == 302
    assert alice.post(edit, fixed).status_code == 302
    draft.refresh_from_db()
    assert draft.deadline == rome(2026, 4, 30, 12, 0)


def test_a_refused_publication_at_the_last_moment_lands_on_the_form(bodies, call, client_for):
    alice = client_for(bodies.alice)
    draft = services.create_call(
        by=bodies.alice,
        program=call.program,
        title="Bozza",
        description="Oggetto",
        deadline=rome(2026, 4, 30, 12, 0),
        kind="CO_PROGRAMMING",
    )
    publish = reverse("procedures:call_publish", args=[draft.pk])
    token = review_token(alice.get(publish))
    # Another officer empties the object of the call while the review page is open.
    services.update_call(draft, by=bodies.eve, description="")
    refused = alice.post(publish, {"review_token": token}, follow=True)
    assert refused.redirect_chain[-1][0].endswith("?publish=1")
    page = _text(refused)
    assert "L'avviso non si può ancora pubblicare" in page
    field = page[page.index('name="description"') :]
    assert field.index("Descrivi l'oggetto dell'avviso.") < field.index('name="objectives"')
    draft.refresh_from_db()
    assert draft.state == "DRAFT"


def test_the_same_new_call_form_sent_twice_makes_one_draft(bodies, call, client_for):
    alice = client_for(bodies.alice)
    url = reverse("procedures:call_create", args=[call.program.slug])
    form = alice.get(url).content.decode()
    key = form.split('name="draft_key" value="', 1)[1].split('"', 1)[0]
    assert len(key) >= 24
    typed = call_post(criteria=[("Qualità", "100")], draft_key=key)
    first = alice.post(url, typed)
    second = alice.post(url, typed)
    drafts = Procedure.objects.filter(title="Nuovo avviso")
    assert drafts.count() == 1
    assert first.url == second.url == drafts.get().get_absolute_url()
    draft = drafts.get()
    assert draft.criteria.count() == 1
    # Sent again after going back and changing it: the same draft, as now typed.
    again = alice.post(url, {**typed, "title": "Nuovo avviso, rivisto"})
    assert again.url == first.url
    assert Procedure.objects.get(pk=draft.pk).title == "Nuovo avviso, rivisto"
    typed["title"] = "Nuovo avviso"
    alice.post(url, typed)
    # Another page of the form (another key) is another draft; a key is no one else's.
    alice.post(
        url,
        call_post(
            draft_key=alice.get(url)
            .content.decode()
            .split('name="draft_key" value="', 1)[1]
            .split('"', 1)[0]
        ),
    )
    assert Procedure.objects.filter(title="Nuovo avviso").count() == 2
    eve = client_for(bodies.eve)
    stolen = eve.post(url, typed)
    assert stolen.status_code == 400
    assert Procedure.objects.filter(title="Nuovo avviso").count() == 2


def _events(procedure) -> int:
    return AuditEvent.objects.for_chain(chain_for(procedure)).count()


def _ranking_ready(bodies, call, time_machine):
    first, second = _evaluate(bodies, call, time_machine)
    for proposal, points in ((first, ("60", "40")), (second, ("30", "10"))):
        for criterion, given in zip(call.criteria.all(), points, strict=True):
            services.score_proposal(
                proposal, by=bodies.eve, criterion=criterion, points=given, rationale="Ok"
            )
    return call


def _closed_with_commission(bodies, call, time_machine):
    time_machine.move_to(rome(2026, 4, 2, 9, 0), tick=False)
    services.appoint_evaluator(call, by=bodies.alice, user=bodies.eve)
    return call


def _draft(bodies, call, time_machine):
    return services.create_call(
        by=bodies.alice,
        program=call.program,
        title="Bozza da pubblicare",
        description="Oggetto",
        deadline=rome(2026, 4, 30, 12, 0),
        kind="CO_PROGRAMMING",
    )


def _admissible(bodies, coprogramming, time_machine):
    services.express_interest(
        coprogramming, by=bodies.tom, organization=bodies.consortium, motivation="Rete"
    )
    time_machine.move_to(rome(2026, 2, 21, 9, 0), tick=False)
    return coprogramming


def _concludable(bodies, coprogramming, time_machine):
    _admissible(bodies, coprogramming, time_machine)
    participation = coprogramming.participations.get()
    services.admit_participants(
        coprogramming, by=bodies.alice, decisions={participation.pk: (True, "")}
    )
    services.add_meeting(
        coprogramming,
        by=bodies.alice,
        title="Tavolo",
        held_at=rome(2026, 3, 2, 17),
        agenda="Bisogni",
    )
    return coprogramming


def _to_declare(bodies, call, time_machine):
    _closed_with_commission(bodies, call, time_machine)
    services.start_evaluation(call, by=bodies.alice)
    return call


# act, the procedure in the state before it, what the review says, the form, the state after.
ACTS = {
    "call_publish": (_draft, "diventa pubblico", {}, "OPEN"),
    "call_cancel": (lambda b, c, t: c, "termina ora", {"reason": "Errore"}, "CANCELLED"),
    "call_extend": (
        lambda b, c, t: c,
        "non potrà più essere anticipata",
        {"deadline": "2026-04-15T12:00", "reason": "Più tempo"},
        "PUBLISHED",
    ),
    "evaluation_start": (_closed_with_commission, "Commissione: Eve", {}, "EVALUATION"),
    "declare": (_to_declare, "non si può cambiare", {"conflict": "no"}, "EVALUATION"),
    "rank": (_ranking_ready, "La graduatoria qui sotto", {"protocol_number": "PG 1"}, "RANKED"),
    "admit_participants": (_admissible, "Consorzio Lario", {}, "PARTICIPANTS_ADMITTED"),
    "conclude": (_concludable, "documento finale", {"final_document": "Piano"}, "CONCLUDED"),
}


@pytest.mark.parametrize("act", ACTS)
def test_an_act_that_cant_be_undone_is_reviewed_then_done_once(
    act, bodies, client_for, time_machine, request
):
    prepare, says, data, after = ACTS[act]
    base = request.getfixturevalue(
        "coprogramming" if act in ("admit_participants", "conclude") else "call"
    )
    procedure = prepare(bodies, base, time_machine)
    if act == "admit_participants":
        data = {f"admit-{procedure.participations.get().pk}": "yes"}
    url = reverse(f"procedures:{act}", args=[procedure.pk])
    alice = client_for(bodies.alice)
    state, events = Procedure.objects.get(pk=procedure.pk).state, _events(procedure)

    review = alice.get(url)
    page = _text(review)
    assert review.status_code == 200 and says in page
    assert "non si può annullare" in page and 'data-testid="review-confirm"' in page
    assert Procedure.objects.get(pk=procedure.pk).state == state and _events(procedure) == events

    token = review_token(review)
    done = alice.post(url, {**data, "review_token": token})
    assert done.status_code == 302, _text(done)[-2000:]
    procedure.refresh_from_db()
    assert procedure.state == after
    acted = _events(procedure)
    assert acted > events

    again = alice.post(url, {**data, "review_token": token}, follow=True)
    assert "già stata ricevuta" in _text(again), [
        m for m in _text(again).split("\n") if "alert" in m or "messag" in m
    ]
    assert _events(procedure) == acted
    # Without a review page there is no act either.
    if act == "call_extend":  # an act that can be repeated: still not without its review
        alice.post(url, {**data, "deadline": "2026-04-20T12:00"})
        procedure.refresh_from_db()
        assert procedure.deadline == rome(2026, 4, 15, 12, 0)


def test_the_ranking_review_shows_the_table_that_will_be_published(
    bodies, call, client_for, time_machine
):
    _ranking_ready(bodies, call, time_machine)
    alice = client_for(bodies.alice)
    desk = _text(alice.get(reverse("procedures:desk", args=[call.pk])))
    url = reverse("procedures:rank", args=[call.pk])
    assert url in desk
    page = _text(alice.get(url))
    table = page[page.index('data-testid="ranking-review"') :]
    table = table[: table.index("</table>")]
    assert table.index(bodies.consortium.name) < table.index(bodies.aps.name)
    assert "100,00" in table and "40,00" in table
    assert "Selezionata" in table and "Non selezionata" in table
    assert "1 proposta è selezionata" in page
    assert not call.proposals.filter(rank__isnull=False).exists()  # nothing written yet
    # The same table is what the public then reads.
    alice.post(url, {"review_token": review_token(alice.get(url))})
    public = _text(client_for(None).get(call.get_absolute_url()))
    published = public[public.index('data-testid="ranking"') :]
    assert published.index(bodies.consortium.name) < published.index(bodies.aps.name)


def test_a_ranking_not_ready_is_not_reviewed(bodies, call, client_for, time_machine):
    _evaluate(bodies, call, time_machine)  # admitted, not scored
    alice = client_for(bodies.alice)
    response = alice.get(reverse("procedures:rank", args=[call.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("procedures:desk", args=[call.pk])
    assert "Non tutti i commissari hanno ancora valutato ogni criterio." in _text(response)


def test_a_coprogramming_draft_is_edited_on_its_own_form_rows_added_in_place(
    bodies, coprogramming, client_for
):
    draft = services.create_call(
        by=bodies.alice,
        program=coprogramming.program,
        kind="CO_PROGRAMMING",
        title="Tavoli giovani",
        description="Leggere i bisogni",
    )
    services.set_budget(draft, by=bodies.alice, budget={2027: "5000"})
    alice = client_for(bodies.alice)
    edit = reverse("procedures:call_edit", args=[draft.pk])
    form = _text(alice.get(edit))
    assert 'value="Tavoli giovani"' in form and 'value="5.000"' in form
    assert 'name="kind"' in form and "disabled" in form[form.index('name="kind"') - 200 :][:400]
    # A row added (htmx) on the draft's own form comes back in place.
    rows = alice.post(
        edit,
        {
            "title": "Tavoli giovani",
            "description": "Leggere i bisogni",
            "criteria-TOTAL_FORMS": "0",
            "criteria-INITIAL_FORMS": "0",
            "budget-TOTAL_FORMS": "2",
            "budget-INITIAL_FORMS": "0",
            "budget-0-year": "2026",
            "budget-1-year": "2027",
            "budget-1-amount": "5.000",
            "add_criterion": "1",
        },
        headers={"HX-Request": "true"},
    )
    assert 'name="criteria-0-title"' in rows.content.decode()
    draft.refresh_from_db()
    assert draft.title == "Tavoli giovani" and draft.kind == "CO_PROGRAMMING"


def test_review_pages_refuse_who_may_not_and_acts_no_longer_possible(
    bodies, call, client_for, time_machine
):
    # Only the RUP and the commission declare; someone outside the body sees no review.
    _closed_with_commission(bodies, call, time_machine)
    declare = reverse("procedures:declare", args=[call.pk])
    assert client_for(bodies.eve).get(declare).status_code == 200
    assert client_for(bodies.tom).get(declare).status_code == 403
    # Past the deadline the extension's review says it can't be done, and offers nothing.
    alice = client_for(bodies.alice)
    late = alice.get(reverse("procedures:call_extend", args=[call.pk]), follow=True)
    assert "Ora non si può fare" in _text(late)
    assert late.redirect_chain[-1][0] == call.get_absolute_url()
