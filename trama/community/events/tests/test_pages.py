"""Pages: what each persona sees of open and restricted sessions, the calendar feed, lists."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from icalendar import Calendar

from trama.community.events import services
from trama.community.events.models import Registration
from trama.notifications.models import Notification
from trama.procedures import services as procedures

from .conftest import make_event, rome


@pytest.fixture
def turin(people, time_machine):
    """The Turin-like meeting with a file on each session; the coop invited to the workshop;
    Tom registered to the morning; the clock after the event."""
    event = make_event(people.alice, restricted=True)
    morning, workshop = event.sessions.order_by("starts_at")
    services.invite(workshop, by=people.alice, organization=people.coop)
    services.register(morning, by=people.tom)
    services.register(workshop, by=people.pat)
    for session, name in ((morning, "Slide del mattino"), (workshop, "Verbale riservato")):
        services.add_material(
            session, by=people.alice, title=name, upload=SimpleUploadedFile("f.pdf", b"%PDF")
        )
    return event, morning, workshop


def test_the_link_and_the_restricted_materials_show_only_to_whom_they_belong(
    people, turin, client_for
):
    event, morning, workshop = turin
    url = event.get_absolute_url()
    seen = {}
    for who in (None, people.oscar, people.tom, people.pat, people.alice):
        body = client_for(who).get(url).content.decode()
        seen[who and who.email] = (
            "meet.example.org/seminario" in body,
            "meet.example.org/laboratorio" in body,
            "Slide del mattino" in body,
            "Verbale riservato" in body,
            "Laboratorio della comunità" in body,  # the session's existence
        )
    assert seen == {
        None: (False, False, True, False, True),
        "oscar@trama.test": (False, False, True, False, True),
        # Tom administers the invited coop: he may see the workshop's materials, but its
        # link only once registered.
        "tom@trama.test": (True, False, True, True, True),
        "pat@trama.test": (False, True, True, True, True),
        "alice@trama.test": (True, True, True, True, True),
    }


def test_tom_sees_the_workshop_materials_because_his_body_is_invited(people, turin, client_for):
    _event, _morning, workshop = turin
    material = workshop.materials.get()
    url = reverse("events:material", args=[material.pk])
    assert client_for(people.oscar).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404
    response = client_for(people.pat).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF"


def test_registering_through_the_page_is_refused_without_invitation(people, turin, client_for):
    _event, _morning, workshop = turin
    client = client_for(people.oscar)
    response = client.post(reverse("events:register", args=[workshop.pk]), follow=True)
    assert "riservata ai membri e agli enti invitati" in response.content.decode()
    assert not Registration.objects.filter(user=people.oscar).exists()
    # An unknown session is a 404, not a 500.
    assert client.post(reverse("events:register", args=[999999])).status_code == 404


def test_the_page_registers_once_and_shows_the_waiting_position(people, client_for):
    event = make_event(people.alice, capacity=1)
    session = event.sessions.get()
    services.register(session, by=people.tom)
    client = client_for(people.pat)
    url = reverse("events:register", args=[session.pk])
    client.post(url)
    client.post(url)
    assert Registration.objects.filter(user=people.pat).count() == 1
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Sei al numero 1 della lista" in page
    client.post(reverse("events:cancel", args=[session.pk]))
    assert Registration.objects.get(user=people.pat).status == "CANCELLED"


def test_the_calendar_feed_answers_its_token_only(people, turin, client_for, call):
    call = procedures.publish_call(call, by=people.alice)
    services.follow(by=people.tom, procedure=call)
    feed = services.calendar_feed(people.tom)
    response = client_for(None).get(feed.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    summaries = sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))
    assert summaries == [
        "Comunità di pratiche sulla co-progettazione — Seminario aperto",
        "Scadenza: Co-progettazione servizi per l'abitare",
    ]
    assert client_for(None).get(reverse("events:feed", args=["wrong-token"])).status_code == 404
    old = feed.get_absolute_url()
    client_for(people.tom).post(reverse("events:regenerate"))
    assert client_for(None).get(old).status_code == 404
    feed.refresh_from_db()
    assert client_for(None).get(feed.get_absolute_url()).status_code == 200


def test_following_brings_a_call_s_acts_to_the_inbox(
    people, call, django_capture_on_commit_callbacks, client_for
):
    client_for(people.pat).post(reverse("events:follow_organization", args=[people.comune.slug]))
    with django_capture_on_commit_callbacks(execute=True):
        procedures.publish_call(call, by=people.alice)
    [published] = Notification.objects.filter(recipient=people.pat)
    assert published.kind == "followed_act" and "Avviso pubblicato" in published.title
    client_for(people.oscar).post(reverse("events:follow_call", args=[call.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        procedures.extend_deadline(
            call, by=people.alice, deadline=rome(2027, 1, 15, 12, 0), reason="Più tempo"
        )
    assert (
        Notification.objects.filter(
            recipient=people.oscar, title__contains="Scadenza prorogata"
        ).count()
        == 1
    )
    assert Notification.objects.filter(recipient=people.pat).count() == 2
    assert not Notification.objects.filter(recipient=people.alice, kind="followed_act").exists()


def test_lists_take_a_bounded_number_of_queries(people, client_for, django_assert_max_num_queries):
    for day in range(2, 27):
        make_event(people.alice, day=day)
    client = client_for(people.tom)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("events:events"))
    assert page.content.decode().count('data-testid="event"') == 20
    assert "Pagina 1 di 2" in page.content.decode()
    assert (
        "Nessun evento passato"
        in client.get(reverse("events:events") + "?quando=passati").content.decode()
    )
    from trama.community.events.models import Session

    for session in Session.objects.all()[:22]:
        services.register(session, by=people.tom)
    with django_assert_max_num_queries(14):
        mine = client.get(reverse("events:mine"))
    assert mine.content.decode().count('data-testid="registration"') == 20


def test_the_organiser_page_is_theirs_only(people, turin, client_for, time_machine):
    _event, morning, _workshop = turin
    url = reverse("events:organize", args=[morning.pk])
    assert client_for(people.tom).get(url).status_code == 404
    time_machine.move_to(rome(2026, 12, 17, 14, 0), tick=False)
    client = client_for(people.alice)
    assert client.get(url).status_code == 200
    client.post(url, {"act": "attendance", "attendance-present": [people.tom.pk]})
    assert Registration.objects.get(session=morning, user=people.tom).attended is True
    response = client.post(url, {"act": "invite"})
    assert response.status_code == 400


def test_call_and_organisation_pages_offer_to_follow(people, call, client_for):
    call_url = call.get_absolute_url()
    # A draft is not followed; anonymous visitors are not offered the button.
    assert 'data-testid="follow"' not in client_for(people.alice).get(call_url).content.decode()
    call = procedures.publish_call(call, by=people.alice)
    assert 'data-testid="follow"' not in client_for(None).get(call_url).content.decode()
    tom = client_for(people.tom)
    page = tom.get(call_url).content.decode()
    assert "Segui questo avviso" in page and "Non seguire più" not in page
    page = tom.post(
        reverse("events:follow_call", args=[call.pk]), {"next": call_url}, follow=True
    ).content.decode()
    assert "Segui già questo avviso" in page and "Non seguire più" in page
    page = tom.post(
        reverse("events:follow_call", args=[call.pk]),
        {"next": call_url, "stop": "1"},
        follow=True,
    ).content.decode()
    assert "Non segui più questo avviso." in page
    assert "Segui questo avviso" in page and "Non seguire più" not in page
    org_url = people.comune.get_absolute_url()
    page = tom.get(org_url).content.decode()
    assert "Segui questo ente" in page and "Non seguire più" not in page
    tom.post(reverse("events:follow_organization", args=[people.comune.slug]), {"next": org_url})
    page = tom.get(org_url).content.decode()
    assert "Segui già questo ente" in page and "Non seguire più" in page
    page = tom.post(
        reverse("events:follow_organization", args=[people.comune.slug]),
        {"next": org_url, "stop": "1"},
        follow=True,
    ).content.decode()
    assert "Non segui più questo ente." in page and "Segui questo ente" in page


def test_the_event_page_orders_the_sessions_by_start_and_shows_their_day_once(people, client_for):
    event = make_event(people.alice, capacity=80, restricted=True)
    # Added last, it starts first.
    services.add_session(
        event,
        by=people.alice,
        title="Accoglienza",
        starts_at=rome(2026, 12, 17, 9, 0),
        ends_at=rome(2026, 12, 17, 9, 30),
    )
    services.register(event.sessions.get(title="Seminario aperto"), by=people.tom)

    page = client_for(people.oscar).get(event.get_absolute_url()).content.decode()
    titles = ("Accoglienza", "Seminario aperto", "Laboratorio della comunità")
    positions = [page.index(f">{title}") for title in titles]
    assert positions == sorted(positions)
    # The day heads its sessions once; each session says its hours.
    assert page.count("giovedì 17 dicembre 2026") == 2  # "When" and the day's heading
    assert page.count('data-testid="session-day"') == 1
    assert "09:30</time>–<time" in page
    assert "1 posto occupato su 80" in page
    # The API lists them in the same order.
    api = client_for(None).get(f"/api/v1/community/events/{event.pk}").json()
    assert [s["title"] for s in api["sessions"]] == list(titles)


def test_a_restricted_session_says_only_that_it_is_reserved_to_the_uninvited(people, client_for):
    event = make_event(people.alice, restricted=True)
    workshop = event.sessions.get(access="RESTRICTED")
    services.invite(workshop, by=people.alice, organization=people.coop)
    for who, invited in ((None, False), (people.oscar, False), (people.pat, True)):
        page = client_for(who).get(event.get_absolute_url()).content.decode()
        section = page.split(f'id="sessione-{workshop.pk}"')[1].split("</section>")[0]
        reserved = "riservata ai membri e agli enti invitati dagli organizzatori" in section
        assert reserved is not invited, who
        # Nothing for the uninvited that reads as an offer: no link hint, no sign-in, no button.
        assert ("visibile agli iscritti" in section) is invited, who
        assert "Accedi per iscriverti" not in section
        assert ("<button" in section) is invited, who


def test_the_organisers_page_counts_its_places_in_italian(people, client_for):
    client = client_for(people.alice)
    for capacity, said in ((1, "1 posto"), (80, "80 posti")):
        session = make_event(people.alice, capacity=capacity).sessions.get()
        page = client.get(reverse("events:organize", args=[session.pk])).content.decode()
        assert f" · {said}</p>" in page
