import pytest
from django.db import connection

from trama.accounts.models import ApiToken
from trama.accounts.services import create_api_token, delete_account, revoke_api_token
from trama.conftest import make_org
from trama.organizations.models import Membership

from .conftest import bearer, tax_code

ME = "/api/v1/me"


def assert_unauthenticated(response):
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_it_tells_a_read_token_whose_it_is(personas, client, token_for):
    response = client.get(ME, headers=token_for(personas.tom))

    assert response.status_code == 200
    assert response.json() == {
        "email": "tom@trama.test",
        "name": "Tom Verdi",
        "token_scope": "read",
        "memberships": [
            {"organization": "consorzio-lario", "name": "Consorzio Lario", "role": "ADMIN"},
            {
                "organization": "cooperativa-arcobaleno",
                "name": "Cooperativa Arcobaleno",
                "role": "ADMIN",
            },
        ],
    }


def test_it_lets_a_write_token_read_too(personas, client, token_for):
    response = client.get(ME, headers=token_for(personas.pat, "write"))

    assert response.status_code == 200
    assert response.json()["token_scope"] == "write"
    assert response.json()["memberships"] == [
        {
            "organization": "cooperativa-arcobaleno",
            "name": "Cooperativa Arcobaleno",
            "role": "MEMBER",
        }
    ]


def test_it_asks_an_anonymous_caller_for_a_token(personas, client):
    assert_unauthenticated(client.get(ME))


def test_it_refuses_a_session_without_a_token(personas, client):
    client.force_login(personas.alice)

    assert_unauthenticated(client.get(ME))


def test_it_refuses_a_revoked_token_at_once(personas, client):
    token, key = create_api_token(personas.alice, name="script", scope="write")
    assert client.get(ME, headers=bearer(key)).status_code == 200

    revoke_api_token(token, by=personas.alice)

    assert_unauthenticated(client.get(ME, headers=bearer(key)))
    # A bad token is an error even where none is needed, so a script learns it is broken.
    assert_unauthenticated(client.get("/api/v1/organizations", headers=bearer(key)))


def test_it_keeps_other_tokens_working_when_one_is_revoked(personas, client):
    token, _key = create_api_token(personas.alice, name="old", scope="read")
    _other, other_key = create_api_token(personas.alice, name="new", scope="read")

    revoke_api_token(token, by=personas.alice)

    assert client.get(ME, headers=bearer(other_key)).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer garbage",
        "Bearer trm_",
        "Bearer trm_" + "x" * 43,
        "Bearer ",
        "Basic YWxpY2VAdHJhbWEudGVzdDpwYXNzd29yZA==",
        "trm_" + "x" * 43,
    ],
)
def test_it_refuses_a_garbage_token(personas, client, authorization):
    assert_unauthenticated(client.get(ME, headers={"Authorization": authorization}))


def test_it_refuses_the_token_of_an_inactive_user(personas, client):
    _token, key = create_api_token(personas.eve, name="script", scope="read")
    personas.eve.is_active = False
    personas.eve.save(update_fields=["is_active"])

    assert_unauthenticated(client.get(ME, headers=bearer(key)))
    assert_unauthenticated(
        client.get("/api/v1/organizations/comune-di-lecco/members", headers=bearer(key))
    )


def test_it_refuses_the_token_of_a_deleted_account(personas, client):
    _token, key = create_api_token(personas.oscar, name="script", scope="read")

    delete_account(personas.oscar)

    assert_unauthenticated(client.get(ME, headers=bearer(key)))


def test_it_records_when_a_token_was_last_used(personas, client):
    token, key = create_api_token(personas.alice, name="script", scope="read")
    assert token.last_used_at is None

    client.get(ME, headers=bearer(key))

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_never_stores_the_secret_of_a_token(personas, client):
    token, key = create_api_token(personas.alice, name="script", scope="write")
    client.get(ME, headers=bearer(key))  # using it must not log it anywhere either

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        holding_the_secret = []
        for table in tables:
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {name} AS t WHERE t::text LIKE %s", [f"%{key}%"])
            if cursor.fetchone()[0]:
                holding_the_secret.append(table)

    assert holding_the_secret == []
    assert ApiToken.objects.get(pk=token.pk).hint == key[-4:]  # enough to recognise it


def test_it_lists_my_memberships_in_a_bounded_number_of_queries(
    personas, client, token_for, django_assert_max_num_queries
):
    for n in range(30):
        org = make_org(f"Associazione {n:02}", by=personas.alice, tax_code=tax_code(200 + n))
        Membership.objects.create(organization=org, user=personas.pat)
    headers = token_for(personas.pat)

    with django_assert_max_num_queries(3):  # token, its last use, memberships
        response = client.get(ME, headers=headers)

    assert len(response.json()["memberships"]) == 31
