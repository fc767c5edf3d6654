import pytest
from django.urls import reverse

from trama.accounts.services import create_api_token
from trama.community.tests.conftest import join

pytestmark = pytest.mark.django_db

PAGE = reverse("whatsnew:whats_new")
API = "/api/v1/community/whats-new"


def test_the_page_shows_a_member_what_is_new_by_kind(world, client_for):
    page = client_for(world.p.alice).get(PAGE)
    text = page.content.decode()
    assert page.status_code == 200
    assert (
        '<a class="nav-link active" aria-current="page" href="/comunita/novita/">Novità</a>' in text
    )
    for heading in ("Schede di pratica", "Documenti della biblioteca", "Eventi", "Discussioni"):
        assert heading in text
    assert "Pratica lombarda" in text and "Pratica piemontese" not in text
    assert "Verbale riservato" not in text and "Discussione trattenuta" not in text
    assert "7 novità dal " in text
    # Further back: the sheet of two months ago.
    assert "Pratica di due mesi fa" not in text
    older = client_for(world.p.alice).get(PAGE, {"da": "trimestre"}).content.decode()
    assert "Pratica di due mesi fa" in older and '<option value="trimestre" selected>' in older


def test_the_page_says_when_there_is_nothing_new(personas, client_for):
    join(personas.eve, name="Eve Bianchi")
    text = client_for(personas.eve).get(PAGE).content.decode()
    assert "Niente di nuovo" in text
    assert "Niente di nuovo in ciò che segui nell'ultima settimana." in text.replace("&#x27;", "'")


def test_who_has_not_joined_is_invited_and_visitors_sign_in_first(personas, client_for):
    outsider = client_for(personas.oscar).get(PAGE)
    assert outsider.status_code == 200
    assert "Aderisci alla comunità" in outsider.content.decode()
    anonymous = client_for(None).get(PAGE)
    assert anonymous.status_code == 302 and "/account/login/" in anonymous["Location"]


def test_the_api_gives_a_member_what_is_new_and_refuses_the_others(
    world, client, django_assert_max_num_queries
):
    def headers(user):
        return {"Authorization": f"Bearer {create_api_token(user, name='t', scope='read')[1]}"}

    tom = headers(world.p.tom)
    with django_assert_max_num_queries(22):
        response = client.get(API, headers=tom)
    assert response.status_code == 200
    body = response.json()
    sections = {s["kind"]: s for s in body["sections"]}
    assert sections["thread"]["label"] == "Discussioni"
    assert {i["title"] for i in sections["material"]["items"]} == {
        "Slide della mattina",
        "Verbale riservato",
    }
    assert body["topics"] == [] and body["region"] is None
    alice = client.get(API, headers=headers(world.p.alice)).json()
    assert alice["region"] == "03" and alice["topics"] == ["volontariato"]
    assert "Verbale riservato" not in str(alice)
    refused = client.get(API, headers=headers(world.p.oscar))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_a_member"
    too_old = client.get(API, {"since": "2020-01-01T00:00:00"}, headers=tom)
    assert too_old.status_code == 400 and too_old.json()["error"]["code"] == "since_too_old"
    assert client.get(API).status_code == 401
