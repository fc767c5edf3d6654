"""The co-design table's pages, for each persona, in English (the language a person picks)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from trama.conftest import make_user
from trama.organizations.models import Membership
from trama.procedures import services
from trama.procedures.models import Adoption, MinutesReview, ProjectVersion
from trama.programs.services import create_program

from .reviewing import confirm
from .table_support import past, ranked_call, signed_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(bodies):
    program = create_program(
        by=bodies.alice, owner=bodies.comune, title="Abitare", start_year=2026, end_year=2028
    )
    bodies.call, bodies.selected, _losers = ranked_call(bodies, program)
    return bodies


@pytest.fixture
def english():
    """english(user): a client of its own, signed in as `user`, that picked English."""

    def sign_in(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return sign_in


def test_the_rup_opens_the_table_from_the_call_page_after_a_review(ranked, english):
    call_url = reverse("procedures:call", args=[ranked.call.pk])
    open_url = reverse("procedures:table_open", args=[ranked.call.pk])
    for persona in (ranked.eve, ranked.tom):
        assert open_url not in english(persona).get(call_url).content.decode()
    alice = english(ranked.alice)
    assert open_url in alice.get(call_url).content.decode()
    review = alice.get(open_url).content.decode()
    assert "Consorzio Lario (lead body, rank 1), Cooperativa Arcobaleno" in review
    response = confirm(alice, open_url)
    table_url = reverse("procedures:table", args=[ranked.call.pk])
    assert response.status_code == 302 and response["Location"] == table_url
    page = alice.get(call_url).content.decode()
    assert table_url in page and "Open the co-design table" not in page
    assert 'data-testid="ranking"' in page  # the ranking stays published
    assert english(ranked.eve).post(open_url).status_code == 403


def test_the_table_page_for_each_persona_with_bounded_queries(
    ranked, english, client_for, django_assert_max_num_queries
):
    services.open_table(ranked.call, by=ranked.alice)
    for n in range(3):
        meeting = services.schedule_meeting(
            ranked.call,
            by=ranked.alice,
            title=f"Incontro {n}",
            held_at=past(hours=n + 1),
            agenda="Ordine del giorno",
            place="Sala",
        )
        services.record_table_minutes(
            meeting,
            by=ranked.alice,
            minutes="Verbale",
            attendance=[(ranked.consortium, "Tom", None), (ranked.coop, "Pat", None)],
        )
    url = reverse("procedures:table", args=[ranked.call.pk])
    for persona in (ranked.alice, ranked.eve, ranked.tom, ranked.pat):
        client = english(persona)
        with django_assert_max_num_queries(25):
            response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200, persona
        assert "Consorzio Lario" in page and "Cooperativa Arcobaleno" in page
        assert reverse("procedures:proposal", args=[ranked.selected.pk]) in page
        assert page.count("awaiting 2 bodies") == 3
        assert ("Schedule the meeting" in page) == (persona == ranked.alice)
        assert ("Adopt the project" in page) == (persona == ranked.alice)
    for outsider in (ranked.una, ranked.oscar):
        assert english(outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302  # to the sign-in page
    # The call page links the table for its participants only.
    call_url = reverse("procedures:call", args=[ranked.call.pk])
    assert url in english(ranked.pat).get(call_url).content.decode()
    assert url not in english(ranked.una).get(call_url).content.decode()


def test_meeting_minutes_and_their_approval_from_the_pages(ranked, english):
    services.open_table(ranked.call, by=ranked.alice)
    alice = english(ranked.alice)
    response = alice.post(
        reverse("procedures:table_meeting_add", args=[ranked.call.pk]),
        {
            "title": "Primo incontro",
            "held_at": past().strftime("%Y-%m-%dT%H:%M"),
            "agenda": "Obiettivi",
            "online_link": "https://meet.example.org/tavolo",
        },
    )
    meeting = ranked.call.meetings.get()
    url = reverse("procedures:table_meeting", args=[ranked.call.pk, meeting.pk])
    assert response["Location"] == url
    response = alice.post(
        reverse("procedures:table_minutes", args=[ranked.call.pk, meeting.pk]),
        {
            "minutes": "Si concordano gli obiettivi.",
            f"people_{ranked.consortium.pk}": "Tom Verdi\n",
            f"people_{ranked.comune.pk}": "Alice Rossi",
        },
    )
    assert response["Location"] == url
    tom = english(ranked.tom)
    page = tom.get(url).content.decode()
    assert "Si concordano gli obiettivi." in page and "Tom Verdi" in page
    assert "https://meet.example.org/tavolo" in page
    review_url = reverse("procedures:table_minutes_review", args=[ranked.call.pk, meeting.pk])
    # For the coop, which did not attend: refused on the form, nothing saved.
    refused = tom.post(review_url, {"organization": ranked.coop.pk, "decision": "APPROVED"})
    assert refused.status_code == 400
    assert "you were not at this meeting" in refused.content.decode()
    assert not MinutesReview.objects.exists()
    tom.post(review_url, {"organization": ranked.consortium.pk, "decision": "APPROVED"})
    page = tom.get(url).content.decode()
    assert 'data-testid="minutes-approved"' in page
    assert "Approve or comment on the minutes" not in page
    assert english(ranked.una).get(url).status_code == 404
    # A member who joins a table body after the ranking sits at the table too.
    newcomer = make_user("nina@trama.test")
    Membership.objects.create(organization=ranked.coop, user=newcomer)
    proposal = reverse("procedures:proposal", args=[ranked.selected.pk])
    assert english(newcomer).get(proposal).status_code == 200
    assert english(newcomer).get(url).status_code == 200


def test_the_shared_project_versions_conflict_diff_and_adoption_pages(
    ranked, english, django_assert_max_num_queries
):
    services.open_table(ranked.call, by=ranked.alice)
    v1 = ProjectVersion.objects.get()
    project = reverse("procedures:table_project", args=[ranked.call.pk])
    edit = reverse("procedures:table_project_edit", args=[ranked.call.pk])
    tom, pat = english(ranked.tom), english(ranked.pat)
    page = tom.get(project).content.decode()
    assert "<h2>Qualità del progetto</h2>" in page and "<h3>Consorzio Lario</h3>" in page
    assert tom.get(edit).status_code == 200
    response = tom.post(
        edit, {"text": v1.text + "\n## Tempi\n\nDodici mesi.", "summary": "Tempi", "base": v1.pk}
    )
    assert response["Location"] == project
    # Pat started from version 1 too: shown both texts, nothing saved.
    response = pat.post(edit, {"text": v1.text + "\nRiga di Pat", "summary": "Mia", "base": v1.pk})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone saved version 2" in page and "Riga di Pat" in page
    assert "<del>## Tempi</del>" in page and "<ins>Riga di Pat</ins>" in page
    assert ProjectVersion.objects.count() == 2
    pat.post(
        reverse("procedures:table_project_comment", args=[ranked.call.pk]),
        {"section": "tempi", "text": "Dodici mesi sono pochi"},
    )
    assert "Dodici mesi sono pochi" in pat.get(project).content.decode()
    pages = [
        project,
        reverse("procedures:table_project_history", args=[ranked.call.pk]),
        reverse("procedures:table_project_diff", args=[ranked.call.pk]) + "?a=1&b=2",
    ]
    for persona in (ranked.alice, ranked.eve, ranked.tom, ranked.pat, ranked.una, ranked.oscar):
        client = english(persona)
        for url in pages:
            with django_assert_max_num_queries(20):
                status = client.get(url).status_code
            assert status == (404 if persona in (ranked.una, ranked.oscar) else 200), (persona, url)
    history = tom.get(reverse("procedures:table_project_history", args=[ranked.call.pk]))
    assert "Tempi" in history.content.decode() and "Tom Verdi" in history.content.decode()
    diff = tom.get(
        reverse("procedures:table_project_diff", args=[ranked.call.pk]), {"a": 1, "b": 2}
    )
    assert "<ins>Dodici mesi.</ins>" in diff.content.decode()
    trail = reverse("procedures:trail", args=[ranked.call.pk])
    record = pat.get(trail).content.decode()
    assert "Version of the shared project saved" in record
    assert f"{project}?versione=2" in record  # the act links to its document
    assert (
        "Version of the shared project saved" not in english(ranked.una).get(trail).content.decode()
    )

    adopt = reverse("procedures:table_adopt", args=[ranked.call.pk])
    assert tom.get(adopt).status_code == 403
    alice = english(ranked.alice)
    response = confirm(
        alice,
        adopt,
        {
            "version": 2,
            "act_number": "DD 12/2026",
            "act_date": past().date().isoformat(),
            "reasons": "Progetto condiviso",
            "file": signed_pdf(),
        },
    )
    assert response.status_code == 302
    adoption = Adoption.objects.get()
    assert adoption.version.number == 2
    page = tom.get(project).content.decode()
    assert 'data-testid="adoption"' in page and edit not in page
    assert tom.get(edit).status_code == 403
    file = tom.get(reverse("procedures:table_adoption_file", args=[ranked.call.pk]))
    assert b"".join(file.streaming_content) == signed_pdf().read()
