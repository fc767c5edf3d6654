import pytest

from trama.accounts.services import create_api_token
from trama.api.tests.conftest import bearer
from trama.community.access import member_of

from .conftest import join

pytestmark = pytest.mark.django_db


def _headers(user, scope="write"):
    return bearer(create_api_token(user, name="t", scope=scope)[1])


def test_the_member_list_follows_the_visibility(personas, topics, client):
    join(personas.alice, name="Alice Rossi")
    join(personas.tom, name="Tom Verdi", visibility="PUBLIC", topics=[topics["avvisi"]])
    url = "/api/v1/community/members"
    anonymous = client.get(url).json()
    assert [m["name"] for m in anonymous["items"]] == ["Tom Verdi"]
    assert anonymous["items"][0]["topics"] == ["avvisi"]
    outsider = client.get(url, headers=_headers(personas.oscar, "read")).json()
    assert outsider["count"] == 1
    member = client.get(url, headers=_headers(personas.tom, "read")).json()
    assert {m["name"] for m in member["items"]} == {"Alice Rossi", "Tom Verdi"}
    unknown = client.get(url, {"topic": "nessuno"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_topic"
    assert client.get(url, {"region": "x"}).status_code == 422


def test_joining_changing_and_leaving_through_the_api(personas, topics, client):
    headers = _headers(personas.tom)
    body = {"display_name": "Tom", "organizations": [personas.consortium.slug]}
    refused = client.post("/api/v1/community/join", body, "application/json", headers=headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "consent_required"
    other = client.post(
        "/api/v1/community/join",
        body | {"consent": True, "organizations": [personas.comune.slug]},
        "application/json",
        headers=headers,
    )
    assert other.json()["error"]["code"] == "not_member_of_organization"
    assert member_of(personas.tom) is None
    joined = client.post(
        "/api/v1/community/join",
        body | {"consent": True, "topics": ["volontariato"]},
        "application/json",
        headers=headers,
    )
    assert joined.status_code == 201 and joined.json()["visibility"] == "MEMBERS"
    twice = client.post(
        "/api/v1/community/join", body | {"consent": True}, "application/json", headers=headers
    )
    assert twice.json()["error"]["code"] == "already_member"
    updated = client.post(
        "/api/v1/community/me/update",
        {"display_name": "Tom Verdi", "visibility": "PUBLIC", "topics": ["ignoto"]},
        "application/json",
        headers=headers,
    )
    assert updated.json()["error"]["code"] == "unknown_topic"
    updated = client.post(
        "/api/v1/community/me/update",
        {"display_name": "Tom Verdi", "visibility": "PUBLIC"},
        "application/json",
        headers=headers,
    )
    assert updated.status_code == 200 and updated.json()["name"] == "Tom Verdi"
    left = client.post("/api/v1/community/leave", headers=headers)
    assert left.status_code == 200 and left.json()["pseudonym"]
    me = client.get("/api/v1/community/me", headers=headers)
    assert me.status_code == 404 and me.json()["error"]["code"] == "not_a_member"
    read_only = client.post(
        "/api/v1/community/join",
        body | {"consent": True},
        "application/json",
        headers=_headers(personas.tom, "read"),
    )
    assert read_only.status_code == 403


def test_the_organisation_list_reads_a_fixed_number_of_queries(
    personas, client, django_assert_max_num_queries
):
    join(personas.alice, organizations=[personas.comune])
    join(personas.tom, organizations=[personas.consortium, personas.coop])
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/community/organizations")
    names = [o["name"] for o in response.json()["items"]]
    assert names == ["Comune di Lecco", "Consorzio Lario", "Cooperativa Arcobaleno"]
    assert response.json()["items"][0]["procedures"] == 0
