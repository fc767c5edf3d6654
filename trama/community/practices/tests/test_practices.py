import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from trama.community import services as community_services
from trama.community.practices import services
from trama.community.practices.models import Practice, PracticeComment
from trama.community.practices.services import NotAllowed
from trama.ledger import services as ledger_services

from .conftest import sheet


def _text(fragment):
    return " ".join(html.unescape(fragment).split())


def test_it_saves_a_version_per_edit_listed_in_the_history(members, client_for):
    practice = sheet(members.alice, actors=[members.comune, "Fondazione Cariplo"], publish=True)
    services.update_practice(
        practice,
        by=members.alice,
        base_version=1,
        title="Welfare comunitario a Lecco: tre avvisi",
        year_from=2006,
        actors=[members.comune, "Fondazione Cariplo"],
        worked="La regia pubblica.",
    )

    practice.refresh_from_db()
    assert practice.version == 2
    assert list(practice.versions.values_list("number", flat=True)) == [2, 1]
    client = client_for(None)
    history = client.get(reverse("practices:practice_history", args=[practice.pk]))
    assert history.status_code == 200
    assert history.content.decode().count('data-testid="version"') == 2
    assert "Cronologia (2 versioni)" in client.get(practice.get_absolute_url()).content.decode()
    first = client.get(reverse("practices:practice_version", args=[practice.pk, 1]))
    assert "Welfare comunitario a Lecco" in first.content.decode()
    assert "tre avvisi" not in first.content.decode()
    assert "Fondazione Cariplo" in first.content.decode()


def test_an_edit_on_a_stale_version_is_refused_and_changes_nothing(members):
    practice = sheet(members.alice, actors=[members.comune])
    services.update_practice(
        practice, by=members.alice, title="B", year_from=2006, actors=[members.comune]
    )

    with pytest.raises(ValidationError) as exc:
        services.update_practice(
            practice,
            by=members.alice,
            base_version=1,
            title="C",
            year_from=2006,
            actors=[members.comune],
        )

    assert exc.value.code == "stale_base"
    assert Practice.objects.get(pk=practice.pk).title == "B"


def test_the_figures_are_read_live_from_the_ledger(members, program, client_for):
    practice = sheet(members.alice, actors=[members.comune], program=program, publish=True)
    url = practice.get_absolute_url()
    client = client_for(None)

    before = client.get(url).content.decode()
    assert 'data-testid="no-figures"' in before  # "no data", not zero

    ledger_services.record_entry(
        by=members.alice,
        program=program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="PUBLIC_OWNER",
        contributor=members.comune,
        year=2017,
        amount="150000.00",
    )

    after = client.get(url).content.decode()
    assert 'data-testid="live-figures"' in after
    assert "150.000,00" in after
    assert "Cronologia (1 versione)" in after
    # The sheet names its figures as the program's dashboard does, with the same values.
    table = after.split('data-testid="live-figures"')[1].split("</table>")[0]
    sheet_figures = dict(
        re.findall(r'<th scope="row">([^<]+)</th><td class="text-end"[^>]*>([^<]+)</td>', table)
    )
    dashboard = client_for(members.alice).get(program.get_absolute_url()).content.decode()
    cards = dashboard.split('class="row ledger-figures"')[1].split("</dl>")[0]
    dashboard_figures = {
        label.strip(): _text(value)
        for label, value in re.findall(
            r"<dt>([^<]+)<span.*?</dt>\s*<dd class=\"figure-number\">(?:<a [^>]*>)?([^<]+)",
            cards,
            re.S,
        )
    }
    shared = sheet_figures.keys() & dashboard_figures.keys()
    assert shared >= {"Risorse pubbliche", "Altri fondi pubblici", "Risorse aggiuntive"}
    assert "Leva sulle risorse pubbliche" in shared
    assert {k: _text(sheet_figures[k]) for k in shared} == {k: dashboard_figures[k] for k in shared}


def test_a_member_who_is_not_in_an_actor_body_is_refused(members):
    with pytest.raises(NotAllowed) as exc:
        sheet(members.tom, actors=[members.comune])
    assert exc.value.code == "not_an_actor"

    practice = sheet(members.alice, actors=[members.comune])
    with pytest.raises(NotAllowed) as exc:
        services.update_practice(
            practice,
            by=members.tom,
            title="X",
            year_from=2006,
            actors=[members.consortium, members.comune],
        )
    assert exc.value.code == "not_an_actor"


def test_someone_who_has_not_joined_the_community_cannot_write(personas):
    with pytest.raises(NotAllowed) as exc:
        sheet(personas.alice, actors=[personas.comune])
    assert exc.value.code == "not_a_member"


def test_a_program_must_belong_to_an_actor_and_declared_figures_need_a_source(members, program):
    with pytest.raises(ValidationError) as exc:
        sheet(members.tom, actors=[members.consortium], program=program)
    assert exc.value.error_dict["program"][0].code == "program_not_of_actors"
    with pytest.raises(ValidationError) as exc:
        sheet(members.tom, actors=[members.consortium], declared_additional="9.000.000,00")
    assert exc.value.error_dict["declared_source"][0].code == "source_required"

    practice = sheet(
        members.tom,
        actors=[members.consortium],
        declared_additional="9.000.000,00",
        declared_source="Relazione decennale 2016",
    )
    assert str(practice.declared_additional) == "9000000.00"


def test_a_draft_is_visible_to_its_authors_only(members, client_for):
    practice = sheet(members.alice, actors=[members.comune], title="Bozza riservata")
    url = practice.get_absolute_url()

    assert client_for(None).get(url).status_code == 404
    assert client_for(members.tom).get(url).status_code == 404  # a member, not an actor
    assert client_for(members.eve).get(url).status_code == 404  # an actor's member, not joined
    assert client_for(members.alice).get(url).status_code == 200
    assert (
        "Bozza riservata"
        not in client_for(None).get(reverse("practices:practices")).content.decode()
    )
    assert (
        "Bozza riservata"
        in client_for(members.alice).get(reverse("practices:practices")).content.decode()
    )

    services.publish_practice(practice, by=members.alice)

    assert client_for(None).get(url).status_code == 200


def test_the_edit_page_refuses_a_non_actor_and_saves_a_version_for_an_actor(members, client_for):
    practice = sheet(members.alice, actors=[members.comune], publish=True)
    edit = reverse("practices:practice_edit", args=[practice.pk])

    assert client_for(members.tom).get(edit).status_code == 404
    response = client_for(members.alice).post(
        edit,
        {
            "title": "Nuovo titolo",
            "year_from": "2006",
            "area": "SOCIAL_WELFARE",
            "phases": ["co_design", "co_production"],
            "actor_organizations": [members.comune.pk],
            "other_actors": "Fondazione Cariplo\n",
            "declared_public": "1.500,50",
            "declared_source": "Bilancio",
            "base_version": "1",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    practice.refresh_from_db()
    assert (practice.title, practice.version, practice.phases) == (
        "Nuovo titolo",
        2,
        ["co_design", "co_production"],
    )
    assert str(practice.declared_public) == "1500.50"
    assert [str(a) for a in practice.actors.all()] == ["Comune di Lecco", "Fondazione Cariplo"]


def test_members_comment_and_a_moderator_hides_a_comment(
    members, client_for, django_capture_on_commit_callbacks
):
    practice = sheet(members.alice, actors=[members.comune], publish=True)
    client = client_for(members.tom)
    url = reverse("practices:practice_comment", args=[practice.pk])
    client.post(url, {"text": "Molto utile, grazie."})
    client.post(url, {"text": "Molto utile, grazie."})  # a double submission
    assert PracticeComment.objects.count() == 1
    comment = PracticeComment.objects.get()

    with pytest.raises(NotAllowed):
        services.hide_comment(comment, by=members.tom, reason="spam")
    community_services.name_moderator(members.alice, by=members.sam)
    services.hide_comment(comment, by=members.alice, reason="Fuori tema")

    page = client_for(None).get(practice.get_absolute_url()).content.decode()
    assert "Molto utile" not in page
    assert (
        "Molto utile" in client_for(members.alice).get(practice.get_absolute_url()).content.decode()
    )


def test_the_list_filters_by_region_phase_and_area(members, client_for, lombardia):
    sheet(
        members.alice, actors=[members.comune], title="In Lombardia", region=lombardia, publish=True
    )
    sheet(
        members.alice,
        actors=[members.comune],
        title="Solo co-produzione",
        phases=["co_production"],
        area="HOUSING",
        publish=True,
    )
    client = client_for(None)

    by_phase = client.get(
        reverse("practices:practices"), {"phase": "co_production"}
    ).content.decode()
    by_region = client.get(
        reverse("practices:practices"), {"region": lombardia.pk}
    ).content.decode()
    by_area = client.get(reverse("practices:practices"), {"area": "HOUSING"}).content.decode()

    assert "Solo co-produzione" in by_phase and "In Lombardia" not in by_phase
    assert "In Lombardia" in by_region and "Solo co-produzione" not in by_region
    assert "Solo co-produzione" in by_area and "In Lombardia" not in by_area


def test_the_list_reads_a_bounded_number_of_queries(
    members, client_for, django_assert_max_num_queries
):
    for n in range(25):
        sheet(
            members.alice,
            actors=[members.comune, f"Associazione {n}"],
            title=f"Pratica {n}",
            publish=True,
        )
    client = client_for(members.tom)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("practices:practices"))

    assert response.content.decode().count('data-testid="practice"') == 20
