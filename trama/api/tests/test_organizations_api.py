import pytest

from trama.conftest import make_org, make_user
from trama.organizations.models import Membership, Organization

from .conftest import tax_code

ORGS = "/api/v1/organizations"
PERSONAS_ORGS = [
    "Comune di Lecco",
    "Consorzio Lario",
    "Cooperativa Arcobaleno",
    "Fondazione del Lario",
]


def names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


@pytest.fixture
def turin_association(personas):
    """An unverified Third-Sector body outside Lombardy, for the territorial filters."""
    return make_org(
        "Associazione Mole", by=personas.oscar, tax_code=tax_code(1), municipality="Torino (TO)"
    )


def new_org_body(**changes):
    body = {
        "name": "Cooperativa Sole",
        "kind": "THIRD_SECTOR",
        "legal_form": "SOCIAL_COOPERATIVE",
        "tax_code": tax_code(2),
        "municipality": "Lecco (LC)",
        "pec": "coopsole@pec.it",
    }
    return {**body, **changes}


# Listing and reading


def test_it_lists_organisations_by_name_with_their_total(personas, client):
    response = client.get(ORGS)

    assert names(response) == PERSONAS_ORGS
    assert response.json()["count"] == 4
    comune = response.json()["items"][0]
    assert comune["slug"] == "comune-di-lecco"
    assert comune["kind"] == "PUBLIC_BODY"
    assert comune["tax_code"] == "00623530136"
    assert comune["verified"] is True
    assert comune["verified_at"]
    assert comune["url"] == "/enti/comune-di-lecco/"
    assert comune["municipality"]["istat_code"] == "097042"
    assert comune["municipality"]["province"]["abbreviation"] == "LC"
    assert comune["municipality"]["province"]["region"] == {"istat_code": "03", "name": "Lombardia"}


def test_it_pages_organisations_with_limit_and_offset(personas, client):
    page = client.get(ORGS, {"limit": 2, "offset": 1})
    assert names(page) == ["Consorzio Lario", "Cooperativa Arcobaleno"]
    assert page.json()["count"] == 4

    past_the_end = client.get(ORGS, {"limit": 2, "offset": 10})
    assert names(past_the_end) == []
    assert past_the_end.json()["count"] == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
        ({"kind": "CHURCH"}, "kind"),
        ({"verified": "perhaps"}, "verified"),
    ],
)
def test_it_refuses_malformed_query_parameters(personas, client, query, field):
    response = client.get(ORGS, query)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "malformed_request"
    assert field in error["fields"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "lario"}, ["Consorzio Lario", "Fondazione del Lario"]),
        ({"q": "01590830137"}, ["Cooperativa Arcobaleno"]),
        ({"q": "nessuno"}, []),
        ({"kind": "PUBLIC_BODY"}, ["Comune di Lecco"]),
        (
            {"kind": "THIRD_SECTOR"},
            ["Associazione Mole", "Consorzio Lario", "Cooperativa Arcobaleno"],
        ),
        ({"kind": "FUNDER"}, ["Fondazione del Lario"]),
        ({"region": "01"}, ["Associazione Mole"]),
        ({"region": "03"}, PERSONAS_ORGS),
        ({"region": "12"}, []),
        ({"province": "TO"}, ["Associazione Mole"]),
        ({"province": "lc"}, PERSONAS_ORGS),
        ({"verified": "true"}, ["Comune di Lecco", "Fondazione del Lario"]),
        ({"verified": "false"}, ["Associazione Mole", "Consorzio Lario", "Cooperativa Arcobaleno"]),
        ({"kind": "THIRD_SECTOR", "province": "LC", "q": "coop"}, ["Cooperativa Arcobaleno"]),
    ],
)
def test_it_filters_organisations(personas, turin_association, client, query, expected):
    response = client.get(ORGS, query)

    assert names(response) == expected
    assert response.json()["count"] == len(expected)


def test_it_shows_one_organisation(personas, client):
    response = client.get(f"{ORGS}/cooperativa-arcobaleno")

    assert response.status_code == 200
    org = response.json()
    assert org["name"] == "Cooperativa Arcobaleno"
    assert org["kind"] == "THIRD_SECTOR"
    assert org["legal_form"] == "SOCIAL_COOPERATIVE"
    assert org["verified"] is False
    assert org["verified_at"] is None
    assert org["municipality"]["name"] == "Calolziocorte"


def test_it_shows_one_organisation_to_a_token_holder_who_is_not_a_member(
    personas, client, token_for
):
    response = client.get(f"{ORGS}/comune-di-lecco", headers=token_for(personas.oscar))

    assert response.status_code == 200
    assert response.json()["name"] == "Comune di Lecco"


def test_it_answers_an_unknown_organisation_with_a_json_404(personas, client):
    response = client.get(f"{ORGS}/ente-che-non-esiste")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"]


# Members: private to the organisation


@pytest.mark.parametrize(
    ("persona", "slug", "expected"),
    [
        ("alice", "comune-di-lecco", [("alice@trama.test", "ADMIN"), ("eve@trama.test", "MEMBER")]),
        ("eve", "comune-di-lecco", [("alice@trama.test", "ADMIN"), ("eve@trama.test", "MEMBER")]),
        (
            "pat",
            "cooperativa-arcobaleno",
            [("pat@trama.test", "MEMBER"), ("tom@trama.test", "ADMIN")],
        ),
        ("tom", "consorzio-lario", [("tom@trama.test", "ADMIN")]),
    ],
)
def test_it_shows_the_members_to_a_member(personas, client, token_for, persona, slug, expected):
    response = client.get(f"{ORGS}/{slug}/members", headers=token_for(getattr(personas, persona)))

    assert response.status_code == 200
    body = response.json()
    assert [(m["email"], m["role"]) for m in body["items"]] == expected
    assert body["count"] == len(expected)
    assert body["items"][0]["name"]
    assert body["items"][0]["since"]


@pytest.mark.parametrize(
    ("persona", "slug"),
    [
        ("oscar", "comune-di-lecco"),  # the outsider
        ("tom", "comune-di-lecco"),  # an administrator of other organisations
        ("pat", "consorzio-lario"),  # a member of a sister organisation
        ("fiona", "cooperativa-arcobaleno"),  # the funder
    ],
)
def test_it_hides_the_members_and_the_organisation_from_non_members(
    personas, client, token_for, persona, slug
):
    response = client.get(f"{ORGS}/{slug}/members", headers=token_for(getattr(personas, persona)))

    # 404, not 403: a non-member cannot tell a private page from a missing one.
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "@" not in response.content.decode()


def test_it_asks_an_anonymous_visitor_for_a_token_to_see_members(personas, client):
    response = client.get(f"{ORGS}/comune-di-lecco/members")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_it_answers_members_of_an_unknown_organisation_with_a_404(personas, client, token_for):
    response = client.get(f"{ORGS}/ente-che-non-esiste/members", headers=token_for(personas.alice))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# Registering an organisation


def test_it_registers_an_organisation_whose_creator_becomes_its_admin(personas, client, token_for):
    headers = token_for(personas.oscar, "write")

    response = client.post(ORGS, new_org_body(), content_type="application/json", headers=headers)

    assert response.status_code == 201, response.content
    created = response.json()
    assert created["slug"] == "cooperativa-sole"
    assert created["name"] == "Cooperativa Sole"
    assert created["tax_code"] == tax_code(2)
    assert created["pec"] == "coopsole@pec.it"
    assert created["municipality"]["istat_code"] == "097042"
    assert created["verified"] is False  # only platform staff verify
    members = client.get(f"{ORGS}/cooperativa-sole/members", headers=headers)
    assert [(m["email"], m["role"]) for m in members.json()["items"]] == [
        ("oscar@trama.test", "ADMIN")
    ]
    assert names(client.get(ORGS, {"q": "sole"})) == ["Cooperativa Sole"]


def test_it_accepts_a_municipality_by_istat_code_and_a_spaced_tax_code(personas, client, token_for):
    spaced = " ".join([tax_code(2)[:3], tax_code(2)[3:7], tax_code(2)[7:]])

    response = client.post(
        ORGS,
        new_org_body(tax_code=spaced, municipality="001272"),
        content_type="application/json",
        headers=token_for(personas.oscar, "write"),
    )

    assert response.status_code == 201, response.content
    assert response.json()["tax_code"] == tax_code(2)
    assert response.json()["municipality"]["name"] == "Torino"


@pytest.mark.parametrize(
    ("scope", "status", "code"),
    [("read", 403, "token_read_only"), (None, 401, "unauthenticated")],
)
def test_it_registers_organisations_only_with_a_write_token(
    personas, client, token_for, scope, status, code
):
    headers = token_for(personas.oscar, scope) if scope else {}
    before = Organization.objects.count()

    response = client.post(ORGS, new_org_body(), content_type="application/json", headers=headers)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert Organization.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"tax_code": "12345678901"}, "invalid_tax_code", "tax_code"),  # wrong check digit
        ({"tax_code": "ABC"}, "invalid_tax_code", "tax_code"),
        ({"tax_code": None}, "required", "tax_code"),  # only a social district may have none
        ({"tax_code": "00623530136"}, "tax_code_taken", "tax_code"),  # Comune di Lecco's
        ({"tax_code": "006 2353 0136"}, "tax_code_taken", "tax_code"),
        ({"kind": "CHURCH"}, "invalid_choice", "kind"),
        ({"pec": "not-an-address"}, "invalid", "pec"),
        ({"municipality": "Atlantide"}, "unknown_municipality", "municipality"),
        ({"municipality": "Lecco (MI)"}, "unknown_municipality", "municipality"),
        ({"municipality": "Castro"}, "unknown_municipality", "municipality"),  # BG or LE?
        ({"municipality": ""}, "unknown_municipality", "municipality"),
        ({"lead_municipality": "Atlantide"}, "unknown_municipality", "lead_municipality"),
    ],
)
def test_it_refuses_invalid_organisations_and_saves_nothing(
    personas, client, token_for, changes, code, field
):
    before = (Organization.objects.count(), Membership.objects.count())

    response = client.post(
        ORGS,
        new_org_body(**changes),
        content_type="application/json",
        headers=token_for(personas.oscar, "write"),
    )

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert [sorted(entry) for entry in error["fields"][field]] == [["code", "message"]]
    assert (Organization.objects.count(), Membership.objects.count()) == before


def test_it_explains_how_to_name_a_municipality_shared_by_two_towns(personas, client, token_for):
    response = client.post(
        ORGS,
        new_org_body(municipality="Castro"),
        content_type="application/json",
        headers=token_for(personas.oscar, "write"),
    )
    assert "(LC)" in response.json()["error"]["fields"]["municipality"][0]["message"]

    response = client.post(
        ORGS,
        new_org_body(municipality="Castro (LE)"),
        content_type="application/json",
        headers=token_for(personas.oscar, "write"),
    )
    assert response.status_code == 201
    assert response.json()["municipality"]["province"]["abbreviation"] == "LE"


def test_it_names_the_organisation_that_already_has_the_tax_code(personas, client, token_for):
    response = client.post(
        ORGS,
        new_org_body(tax_code="00623530136"),
        content_type="application/json",
        headers=token_for(personas.oscar, "write"),
    )

    assert "Comune di Lecco" in response.json()["error"]["fields"]["tax_code"][0]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"name": "Cooperativa Sole", ', "body"),  # truncated JSON
        ("name=Cooperativa+Sole", "body"),
        ("[]", "body"),  # not an object (code not_an_object, test_bounds.py)
        ('"Cooperativa Sole"', "body"),
        (new_org_body(name=5), "name"),
        (new_org_body(name=None), "name"),
        (new_org_body(municipality=["Lecco"]), "municipality"),
        ({k: v for k, v in new_org_body().items() if k != "municipality"}, "municipality"),
        ({k: v for k, v in new_org_body().items() if k != "kind"}, "kind"),
    ],
)
def test_it_refuses_malformed_requests_and_saves_nothing(personas, client, token_for, body, field):
    before = Organization.objects.count()

    response = client.post(
        ORGS, body, content_type="application/json", headers=token_for(personas.oscar, "write")
    )

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "malformed_request"
    assert field in error["fields"]
    assert Organization.objects.count() == before


# Bounded queries with more rows than a page


def test_it_lists_a_page_of_organisations_in_a_bounded_number_of_queries(
    personas, client, token_for, django_assert_max_num_queries
):
    for n in range(30):
        make_org(f"Associazione {n:02}", by=personas.oscar, tax_code=tax_code(100 + n))
    headers = token_for(personas.oscar)

    with django_assert_max_num_queries(2):  # count, page
        anonymous = client.get(ORGS, {"limit": 20})
    with django_assert_max_num_queries(4):  # token, its last use, count, page
        with_token = client.get(ORGS, {"limit": 20, "province": "LC"}, headers=headers)

    assert len(names(anonymous)) == 20
    assert anonymous.json()["count"] == 34
    assert len(names(with_token)) == 20


def test_it_lists_a_page_of_members_in_a_bounded_number_of_queries(
    personas, client, token_for, django_assert_max_num_queries
):
    for n in range(30):
        Membership.objects.create(
            organization=personas.comune, user=make_user(f"impiegato{n:02}@trama.test")
        )
    headers = token_for(personas.alice)

    with django_assert_max_num_queries(5):  # token, its last use, organisation, membership, page
        response = client.get(f"{ORGS}/comune-di-lecco/members", {"limit": 20}, headers=headers)

    assert response.status_code == 200
    assert len(response.json()["items"]) == 20
    assert response.json()["count"] == 32
