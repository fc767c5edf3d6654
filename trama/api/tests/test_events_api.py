"""Organising community events, following calls and bodies, the calendar: through the API."""

import base64

import pytest

from trama.community.events import services
from trama.community.events.models import CalendarFeed, Follow, Invitation, Material, Registration
from trama.community.events.tests.conftest import join, make_event, rome
from trama.community.models import Moderator
from trama.procedures import services as procedures
from trama.programs.services import create_program

SESSIONS = "/api/v1/community/sessions"
PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def people(personas, time_machine):
    """Alice moderates the community; Tom and Pat are members; Oscar only has an account.
    The clock is set on 1 December 2026, 9:00 in Rome."""
    time_machine.move_to(rome(2026, 12, 1, 9, 0), tick=False)
    for user in (personas.alice, personas.tom, personas.pat):
        join(user)
    Moderator.objects.create(user=personas.alice, named_at=rome(2026, 1, 1))
    return personas


@pytest.fixture
def call(people):
    """A draft co-design call of the Comune di Lecco, ready to publish."""
    program = create_program(
        by=people.alice, owner=people.comune, title="Welfare", start_year=2026, end_year=2028
    )
    procedure = procedures.create_call(
        by=people.alice,
        program=program,
        title="Servizi per l'abitare",
        description="Accompagnamento all'abitare.",
        deadline=rome(2026, 12, 30, 12, 0),
    )
    procedures.set_criteria(
        procedure, by=people.alice, criteria=[{"title": "Qualità", "max_points": "100"}]
    )
    return procedure


def post(client, url, headers, body=None):
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def code(response):
    return response.status_code, response.json()["error"]["code"]


def _sessions(client, event, headers):
    detail = client.get(f"/api/v1/community/events/{event.pk}", headers=headers).json()
    return {s["title"]: s for s in detail["sessions"]}


def test_organisers_invite_and_add_files_that_only_the_invited_read(people, client, token_for):
    event = make_event(people.alice, restricted=True)
    seminar = event.sessions.get(access="OPEN")
    workshop = event.sessions.get(access="RESTRICTED")
    alice, tom = token_for(people.alice, "write"), token_for(people.tom, "write")
    pat, oscar = token_for(people.pat), token_for(people.oscar)
    invitations = f"{SESSIONS}/{workshop.pk}/invitations"
    coop = {"organization": people.coop.slug}

    assert post(client, invitations, tom, coop).status_code == 404  # a member, not an organiser
    assert code(post(client, invitations, token_for(people.alice), coop)) == (
        403,
        "token_read_only",
    )
    assert _sessions(client, event, pat)["Laboratorio della comunità"]["invited"] is False
    invited = post(client, invitations, alice, coop)
    assert invited.status_code == 201, invited.content
    assert invited.json() | {"id": 0} == {
        "id": 0,
        "session": workshop.pk,
        "member": None,
        "organization": people.coop.slug,
    }
    assert Invitation.objects.filter(session=workshop, organization=people.coop).count() == 1
    assert _sessions(client, event, pat)["Laboratorio della comunità"]["invited"] is True
    assert code(post(client, f"{SESSIONS}/{seminar.pk}/invitations", alice, coop)) == (
        400,
        "session_open",
    )
    assert code(post(client, invitations, alice, {})) == (400, "required")
    assert code(post(client, invitations, alice, {"member": 999_999})) == (400, "unknown_member")

    materials = f"{SESSIONS}/{workshop.pk}/materials"
    slides = {
        "title": "Slide del laboratorio",
        "file_name": "slide.pdf",
        "file_base64": base64.b64encode(PDF).decode(),
    }
    assert post(client, materials, tom, slides).status_code == 404
    assert code(post(client, materials, alice, {**slides, "file_base64": "non è base64"})) == (
        400,
        "invalid_base64",
    )
    added = post(client, materials, alice, slides)
    assert added.status_code == 201, added.content
    assert (added.json()["kind"], added.json()["session"]) == ("MATERIAL", workshop.pk)
    material = Material.objects.get(session=workshop)
    assert material.file.read() == PDF
    # The invited read the file; someone not invited sees neither it nor its address.
    seen = _sessions(client, event, pat)["Laboratorio della comunità"]["materials"]
    assert seen == [
        {"title": "Slide del laboratorio", "kind": "MATERIAL", "url": added.json()["url"]}
    ]
    assert _sessions(client, event, oscar)["Laboratorio della comunità"]["materials"] is None
    client.force_login(people.oscar)
    assert client.get(added.json()["url"]).status_code == 404


def test_organisers_take_people_off_and_record_who_came(people, client, token_for, time_machine):
    event = make_event(people.alice, capacity=1)
    session = event.sessions.get()
    first = services.register(session, by=people.tom)
    waiting = services.register(session, by=people.pat)
    alice, tom = token_for(people.alice, "write"), token_for(people.tom, "write")

    listed = client.get(f"{SESSIONS}/{session.pk}/registrations", headers=alice).json()
    assert [(r["user"], r["status"]) for r in listed["items"]] == [
        (people.tom.pk, "CONFIRMED"),
        (people.pat.pk, "WAITING"),
    ]
    assert client.get(f"{SESSIONS}/{session.pk}/registrations", headers=tom).status_code == 404

    remove = f"{SESSIONS}/{session.pk}/registrations/{first.pk}/remove"
    assert post(client, remove, tom).status_code == 404
    assert (
        post(client, f"{SESSIONS}/{session.pk}/registrations/999999/remove", alice).status_code
        == 404
    )
    removed = post(client, remove, alice)
    assert removed.status_code == 200, removed.content
    assert (removed.json()["status"], removed.json()["user"]) == ("CANCELLED", people.tom.pk)
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.removed_by == people.alice
    assert waiting.status == Registration.Status.CONFIRMED  # the waiting list moved up

    attendance = f"{SESSIONS}/{session.pk}/attendance"
    present = {"present": [people.pat.pk]}
    assert code(post(client, attendance, alice, present)) == (400, "session_not_started")
    time_machine.move_to(rome(2026, 12, 17, 10, 0), tick=False)
    assert post(client, attendance, tom, present).status_code == 404
    assert code(post(client, attendance, alice, {"present": [people.oscar.pk]})) == (
        400,
        "not_registered",
    )
    recorded = post(client, attendance, alice, present)
    assert recorded.json() == {"session": session.pk, "present": 1}
    waiting.refresh_from_db()
    assert waiting.attended is True


def test_following_calls_and_bodies_and_renewing_the_calendar(people, call, client, token_for):
    tom = token_for(people.tom, "write")
    follows = "/api/v1/community/follows"
    assert post(client, f"{follows}/calls/{call.pk}", tom).status_code == 404  # a draft
    procedures.publish_call(call, by=people.alice)
    followed = post(client, f"{follows}/calls/{call.pk}", tom)
    assert followed.status_code == 200, followed.content
    assert followed.json()["call"] == call.pk
    assert post(client, f"{follows}/calls/{call.pk}", tom).status_code == 200  # again: no change
    body = post(client, f"{follows}/organizations/{people.comune.slug}", tom)
    assert body.json()["organization"] == people.comune.slug
    assert post(client, f"{follows}/organizations/nessuno", tom).status_code == 404
    mine = client.get(follows, headers=tom).json()
    assert [(f["call"], f["organization"]) for f in mine["items"]] == [
        (None, people.comune.slug),
        (call.pk, None),
    ]
    assert client.get(follows, headers=token_for(people.pat)).json()["count"] == 0

    stopped = post(client, f"{follows}/calls/{call.pk}/stop", tom)
    assert stopped.json() == {"following": False}
    assert (
        post(client, f"{follows}/organizations/{people.comune.slug}/stop", tom).status_code == 200
    )
    assert not Follow.objects.filter(user=people.tom).exists()

    old = services.calendar_feed(people.tom).get_absolute_url()
    assert client.get(old).status_code == 200
    assert code(post(client, "/api/v1/community/calendar/regenerate", token_for(people.tom))) == (
        403,
        "token_read_only",
    )
    renewed = post(client, "/api/v1/community/calendar/regenerate", tom)
    assert renewed.status_code == 200
    new = CalendarFeed.objects.get(user=people.tom).get_absolute_url()
    assert renewed.json()["url"] == f"http://testserver{new}" and new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
