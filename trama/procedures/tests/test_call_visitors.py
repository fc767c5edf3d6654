"""What a visitor reads on a call's page: how to take part, the budget, the time left, and
the deadline as a calendar file."""

import re

from django.urls import reverse
from django.utils import translation

from trama.procedures import services
from trama.procedures.models import Procedure

from .conftest import rome
from .test_workflow import _evaluate


def shown(page, testid):
    """The text of the element marked data-testid, spaces normalised."""
    match = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    return match and " ".join(match.group(1).split())


def test_it_tells_an_anonymous_visitor_how_to_take_part(call, client):
    page = client.get(reverse("procedures:call", args=[call.pk])).content.decode()

    assert "Come partecipare" in page
    assert f'href="/account/login/?next=/avvisi/{call.pk}/"' in page
    assert f'href="/account/signup/?next=/avvisi/{call.pk}/"' in page
    assert 'href="/enti/nuovo/"' in page
    # 100.000 € in 2026 and 100.000 € in 2027.
    assert shown(page, "budget-total") == "200.000,00 €"
    # 1 March 9:00 to 30 March 12:00.
    assert shown(page, "time-left") == "4 settimane, 1 giorno"
    assert reverse("procedures:call_ics", args=[call.pk]) in page


def test_after_the_deadline_it_no_longer_invites_anyone(call, client, time_machine):
    time_machine.move_to(rome(2026, 3, 30, 12, 1), tick=False)
    page = client.get(reverse("procedures:call", args=[call.pk])).content.decode()

    assert "Come partecipare" not in page
    assert 'data-testid="time-left"' not in page
    assert shown(page, "budget-total") == "200.000,00 €"  # the budget stays


def test_the_officer_is_not_told_how_to_take_part(bodies, call, client_for):
    page = client_for(bodies.alice).get(reverse("procedures:call", args=[call.pk]))
    assert "Come partecipare" not in page.content.decode()


def test_the_deadline_comes_as_a_calendar_file_in_rome_time(call, client):
    Procedure.objects.filter(pk=call.pk).update(
        title="Casa, lavoro; relazioni \\ reti di vicinato per le famiglie del territorio lecchese"
    )
    response = client.get(reverse("procedures:call_ics", args=[call.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = response.content.decode()
    lines = raw.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2:] == ["END:VCALENDAR", ""]
    assert all(len(line.encode()) <= 75 for line in lines)  # folded, as RFC 5545 requires
    unfolded = raw.replace("\r\n ", "").split("\r\n")
    # 30 March 2026 is summer time in Rome: 12:00 there, 10:00 UTC; the file keeps Rome's.
    assert "DTSTART;TZID=Europe/Rome:20260330T120000" in unfolded
    assert "TZID:Europe/Rome" in unfolded and "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in unfolded
    assert (
        "SUMMARY:Scadenza: Casa\\, lavoro\\; relazioni \\\\ reti di vicinato per le famiglie "
        "del territorio lecchese"
    ) in unfolded
    assert f"URL:http://testserver/avvisi/{call.pk}/" in unfolded
    assert f"UID:call-{call.pk}-deadline@testserver" in unfolded
    assert "TRIGGER:-P1D" in unfolded


def test_a_drafts_calendar_file_is_not_found_by_outsiders(bodies, call, client, client_for):
    draft = services.create_call(
        by=bodies.alice, program=call.program, title="Bozza", deadline=rome(2026, 6, 1, 12, 0)
    )
    url = reverse("procedures:call_ics", args=[draft.pk])
    assert client.get(url).status_code == 404
    assert client_for(bodies.alice).get(url).status_code == 200


def test_the_outcome_notice_counts_in_good_italian(bodies, call, time_machine):
    first, second = _evaluate(bodies, call, time_machine)
    quality, resources = call.criteria.all()
    for proposal, points in ((first, ("55", "35")), (second, ("30", "20"))):
        for criterion, value in zip((quality, resources), points, strict=True):
            services.score_proposal(
                proposal, by=bodies.eve, criterion=criterion, points=value, rationale="Motivato"
            )
    with translation.override("it"):
        services.approve_ranking(call, by=bodies.alice)
    notice = call.notices.get(kind="OUTCOME")
    # Two admitted, one selected (the other is under the 60-point threshold).
    assert notice.text == "Graduatoria approvata: 2 proposte ammesse, 1 selezionata."


def test_who_can_already_propose_is_not_told_how_to_start(bodies, call, client_for):
    page = client_for(bodies.tom).get(reverse("procedures:call", args=[call.pk]))
    assert "Come partecipare" not in page.content.decode()  # the form to start one is there
    page = client_for(bodies.oscar).get(reverse("procedures:call", args=[call.pk]))
    content = page.content.decode()
    assert "Come partecipare" in content and "Hai effettuato l'accesso." in content
