"""Registrations: places, the waiting list and its promotions, invitations, the e-mails."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from icalendar import Calendar

from trama.community.events import services
from trama.community.events.models import Registration

from .conftest import make_event, rome


def sent_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_it_fills_places_then_queues_then_promotes_with_emails(
    people, django_capture_on_commit_callbacks
):
    event = make_event(people.alice, capacity=2)
    session = event.sessions.get()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.register(session, by=people.tom)
        second = services.register(session, by=people.pat)
        third = services.register(session, by=people.eve)
        fourth = services.register(session, by=people.oscar)
    assert [r.status for r in (first, second, third, fourth)] == [
        "CONFIRMED",
        "CONFIRMED",
        "WAITING",
        "WAITING",
    ]
    assert services.waiting_position(third) == 1
    assert services.waiting_position(fourth) == 2
    [confirmation] = sent_to(people.tom)
    assert "Iscrizione confermata: “" in confirmation.subject
    [(filename, ics, mimetype)] = confirmation.attachments
    assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
    [waiting] = sent_to(people.eve)
    assert "lista d'attesa" in waiting.subject and not waiting.attachments

    # Tom cancels: Eve, first waiting, takes his place and is told, with the calendar file.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(session, by=people.tom)
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert third.status == "CONFIRMED" and fourth.status == "WAITING"
    assert services.waiting_position(fourth) == 1
    [promoted] = sent_to(people.eve)
    assert "liberato un posto" in promoted.subject
    assert promoted.attachments
    assert sent_to(people.oscar) == []

    # The organiser removes Pat: Oscar gets the place.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_registration(second, by=people.alice)
    fourth.refresh_from_db()
    assert fourth.status == "CONFIRMED"
    assert len(sent_to(people.oscar)) == 1
    assert Registration.objects.confirmed().filter(session=session).count() == 2


def test_a_double_click_registers_once(people, django_capture_on_commit_callbacks):
    session = make_event(people.alice, capacity=5).sessions.get()
    with django_capture_on_commit_callbacks(execute=True):
        one = services.register(session, by=people.tom)
        two = services.register(session, by=people.tom)
    assert one.pk == two.pk
    assert Registration.objects.filter(session=session).count() == 1
    assert len(sent_to(people.tom)) == 1


def test_registering_again_after_cancelling_goes_to_the_back_of_the_queue(people):
    session = make_event(people.alice, capacity=1).sessions.get()
    services.register(session, by=people.tom)
    services.register(session, by=people.pat)  # waiting
    services.cancel_registration(session, by=people.tom)  # Pat promoted
    again = services.register(session, by=people.tom)
    assert again.status == "WAITING"
    assert services.waiting_position(again) == 1


def test_a_started_or_cancelled_session_refuses_registrations(people, time_machine):
    event = make_event(people.alice)
    session = event.sessions.get()
    time_machine.move_to(rome(2026, 12, 17, 10, 0), tick=False)
    with pytest.raises(ValidationError) as refused:
        services.register(session, by=people.tom)
    assert refused.value.code == "session_started"
    other = make_event(people.alice, day=20).sessions.get()
    services.cancel_event(other.event, by=people.alice, reason="Sala non disponibile")
    with pytest.raises(ValidationError) as refused:
        services.register(other, by=people.tom)
    assert refused.value.code == "event_cancelled"


def test_cancelling_an_event_tells_everyone_registered(people, django_capture_on_commit_callbacks):
    event = make_event(people.alice, capacity=1)
    session = event.sessions.get()
    services.register(session, by=people.tom)
    services.register(session, by=people.pat)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_event(event, by=people.alice, reason="Sala non disponibile")
    for user in (people.tom, people.pat):
        [message] = sent_to(user)
        assert "Annullato" in message.subject and "Sala non disponibile" in message.body
    assert not Registration.objects.active().filter(session=session).exists()


def test_restricted_sessions_take_only_the_invited(people):
    event = make_event(people.alice, restricted=True)
    workshop = event.sessions.get(access="RESTRICTED")
    with pytest.raises(PermissionDenied) as refused:
        services.register(workshop, by=people.tom)
    assert refused.value.code == "not_invited"
    # Invite the cooperative: Pat, its member, counts; Tom administers it too.
    services.invite(workshop, by=people.alice, organization=people.coop)
    assert services.register(workshop, by=people.pat).status == "CONFIRMED"
    # Eve is invited in person.
    with pytest.raises(PermissionDenied):
        services.register(workshop, by=people.eve)
    services.invite(workshop, by=people.alice, member=people.eve.community_member)
    assert services.register(workshop, by=people.eve).status == "CONFIRMED"
    with pytest.raises(PermissionDenied):
        services.register(workshop, by=people.oscar)


def test_only_moderators_and_members_of_the_body_organise(people):
    with pytest.raises(PermissionDenied):
        make_event(people.oscar)
    with pytest.raises(PermissionDenied):
        make_event(people.tom)  # no body, and not a moderator
    event = make_event(people.tom, organizer=people.consortium)
    with pytest.raises(PermissionDenied):
        services.invite(
            event.sessions.get(), by=people.pat, organization=people.coop
        )  # Pat is not a member of the consortium


def test_the_ics_reads_back_with_icalendar(people, django_capture_on_commit_callbacks):
    session = make_event(people.alice).sessions.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.register(session, by=people.tom)
    [message] = sent_to(people.tom)
    [(_name, content, _type)] = message.attachments
    calendar = Calendar.from_ical(content)
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == rome(2026, 12, 17, 9, 30)
    assert vevent.decoded("dtend") == rome(2026, 12, 17, 13, 0)
    assert str(vevent["summary"]) == (
        "Comunità di pratiche sulla co-progettazione — Seminario aperto"
    )
    assert str(vevent["location"]) == "Torino, Via Garibaldi 25"
    assert "https://meet.example.org/seminario" in str(vevent["description"])
    assert str(vevent["uid"]).startswith(f"session-{session.pk}@")
    [alarm] = vevent.walk("VALARM")
    assert alarm.decoded("trigger").days == -1


def test_reminders_are_sent_once_the_day_before(
    people, time_machine, django_capture_on_commit_callbacks
):
    session = make_event(people.alice).sessions.get()
    later = make_event(people.alice, day=28).sessions.get()
    services.register(session, by=people.tom)
    services.register(later, by=people.tom)
    mail.outbox.clear()
    time_machine.move_to(rome(2026, 12, 16, 9, 0), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0
    [reminder] = sent_to(people.tom)
    assert "Promemoria" in reminder.subject and "Seminario aperto" in reminder.body
    assert Registration.objects.get(session=session).reminded_at is not None
    assert Registration.objects.get(session=later).reminded_at is None


def test_attendance_and_materials_after_the_session(people, time_machine):
    from django.core.files.uploadedfile import SimpleUploadedFile

    session = make_event(people.alice).sessions.get()
    services.register(session, by=people.tom)
    services.register(session, by=people.pat)
    with pytest.raises(ValidationError):
        services.record_attendance(session, by=people.alice, present_user_ids=[people.tom.pk])
    time_machine.move_to(rome(2026, 12, 17, 14, 0), tick=False)
    assert (
        services.record_attendance(session, by=people.alice, present_user_ids=[people.tom.pk]) == 1
    )
    assert dict(Registration.objects.values_list("user__email", "attended")) == {
        "tom@trama.test": True,
        "pat@trama.test": False,
    }
    material = services.add_material(
        session, by=people.alice, title="Slide", upload=SimpleUploadedFile("s.pdf", b"%PDF-1.4")
    )
    assert material.session == session
    with pytest.raises(PermissionDenied):
        services.add_material(
            session, by=people.tom, title="X", upload=SimpleUploadedFile("x.pdf", b"%PDF")
        )
