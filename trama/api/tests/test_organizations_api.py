import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from trama.conftest import make_org, make_user
from trama.organizations import services
from trama.organizations.models import Invitation, Membership, Organization, OrganizationClaim

from .conftest import tax_code

API = "/api/v1"
ORGS = f"{API}/organizations"
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


# Acts on an organisation: with a write token, by its administrators


@pytest.fixture
def post(client, personas, token_for):
    """post(url, body, as_="tom") with a token of that persona (None: anonymous)."""

    def request(url, body=None, *, as_=None, scope="write"):
        headers = token_for(getattr(personas, as_), scope) if as_ else {}
        return client.post(url, body or {}, content_type="application/json", headers=headers)

    return request


def error_of(response, status):
    assert response.status_code == status, response.content
    return response.json()["error"]


def test_an_administrator_changes_only_the_fields_sent(personas, post):
    response = post(
        f"{ORGS}/consorzio-lario/update",
        {"website": "https://www.consorziolario.it", "municipality": "Como (CO)"},
        as_="tom",
    )

    assert response.status_code == 200, response.content
    assert response.json()["website"] == "https://www.consorziolario.it"
    assert response.json()["municipality"]["name"] == "Como"
    consortium = Organization.objects.get(slug="consorzio-lario")
    assert (consortium.website, consortium.municipality.name) == (
        "https://www.consorziolario.it",
        "Como",
    )
    assert (consortium.name, consortium.tax_code) == ("Consorzio Lario", "05260180137")


def test_renaming_a_verified_body_withdraws_its_verification(personas, post):
    response = post(f"{ORGS}/comune-di-lecco/update", {"name": "Città di Lecco"}, as_="alice")

    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["verified"]) == ("Città di Lecco", False)
    assert Organization.objects.get(slug="comune-di-lecco").verified_at is None


@pytest.mark.parametrize(
    ("persona", "scope", "status", "code"),
    [
        ("pat", "write", 403, "forbidden"),  # a member, not an administrator
        ("oscar", "write", 404, "not_found"),  # not a member: the private acts don't exist
        ("tom", "read", 403, "token_read_only"),
        (None, None, 401, "unauthenticated"),
    ],
)
def test_only_an_administrator_changes_the_profile(personas, post, persona, scope, status, code):
    response = post(
        f"{ORGS}/cooperativa-arcobaleno/update", {"name": "Altro nome"}, as_=persona, scope=scope
    )

    assert error_of(response, status)["code"] == code
    assert Organization.objects.get(slug="cooperativa-arcobaleno").name == "Cooperativa Arcobaleno"


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"tax_code": "12345678901"}, "invalid_tax_code", "tax_code"),
        ({"tax_code": "00623530136"}, "tax_code_taken", "tax_code"),  # the Comune's
        ({"name": ""}, "blank", "name"),
        ({"municipality": "Atlantide"}, "unknown_municipality", "municipality"),
        ({"municipality": ""}, "unknown_municipality", "municipality"),
    ],
)
def test_it_refuses_an_invalid_profile_and_changes_nothing(personas, post, changes, code, field):
    response = post(f"{ORGS}/cooperativa-arcobaleno/update", changes, as_="tom")

    error = error_of(response, 400)
    assert error["code"] == code and field in error["fields"]
    coop = Organization.objects.get(slug="cooperativa-arcobaleno")
    assert (coop.name, coop.tax_code, coop.municipality.name) == (
        "Cooperativa Arcobaleno",
        "01590830137",
        "Calolziocorte",
    )


def test_it_refuses_a_field_that_is_not_of_the_profile(personas, post):
    response = post(f"{ORGS}/cooperativa-arcobaleno/update", {"verified": True}, as_="tom")

    assert "verified" in error_of(response, 422)["fields"]


def test_an_administrator_requires_two_factor_authentication(personas, post):
    url = f"{ORGS}/cooperativa-arcobaleno/security"

    by_member = post(url, {"require_2fa": True}, as_="pat")
    assert error_of(by_member, 403)["code"] == "forbidden"
    assert Organization.objects.get(slug="cooperativa-arcobaleno").require_2fa is False

    response = post(url, {"require_2fa": True}, as_="tom")
    assert (response.status_code, response.json()) == (200, {"require_2fa": True})
    assert Organization.objects.get(slug="cooperativa-arcobaleno").require_2fa is True


def test_anyone_asks_the_staff_to_be_let_into_a_body_once(personas, post):
    url = f"{ORGS}/comune-di-lecco/claim"

    response = post(url, {"message": "Sono il segretario comunale."}, as_="oscar")
    assert response.status_code == 201, response.content
    assert response.json()["organization"] == "comune-di-lecco"
    assert response.json()["status"] == "PENDING"
    [claim] = OrganizationClaim.objects.all()
    assert (claim.user, claim.organization, claim.message) == (
        personas.oscar,
        personas.comune,
        "Sono il segretario comunale.",
    )

    again = post(url, {"message": "Di nuovo."}, as_="oscar")
    assert error_of(again, 400)["code"] == "already_claimed"
    member = post(f"{ORGS}/cooperativa-arcobaleno/claim", {"message": "Io."}, as_="tom")
    assert error_of(member, 400)["code"] == "already_member"
    blank = post(f"{ORGS}/consorzio-lario/claim", {"message": "   "}, as_="oscar")
    assert error_of(blank, 400)["fields"]["message"][0]["code"] == "required"
    assert OrganizationClaim.objects.count() == 1


# Invitations


def link_token(message) -> str:
    [token] = re.findall(r"/invito/([-\w]+)/", message.body)
    return token


def test_an_invitation_goes_by_e_mail_and_its_link_lets_its_addressee_join(
    personas, post, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            f"{ORGS}/cooperativa-arcobaleno/invitations",
            {"email": "Nuovo@Coop.it", "role": "ADMIN"},
            as_="tom",
        )

    assert response.status_code == 201, response.content
    invitation = response.json()
    assert invitation["email"] == "nuovo@coop.it"
    assert (invitation["role"], invitation["state"]) == ("ADMIN", "pending")
    assert invitation["organization"] == {
        "slug": "cooperativa-arcobaleno",
        "name": "Cooperativa Arcobaleno",
    }
    assert invitation["invited_by"] == "Tom Verdi"
    [message] = mail.outbox
    assert message.to == ["nuovo@coop.it"]
    token = link_token(message)
    assert token not in response.content.decode()  # the secret goes only to the address

    someone_else = post(f"{API}/me/invitations/accept", {"token": token}, as_="oscar")
    assert error_of(someone_else, 400)["code"] == "wrong_account"
    personas.nuovo = make_user("nuovo@coop.it")
    joined = post(f"{API}/me/invitations/accept", {"token": token}, as_="nuovo")
    assert joined.status_code == 200, joined.content
    assert joined.json() == {
        "organization": {"slug": "cooperativa-arcobaleno", "name": "Cooperativa Arcobaleno"},
        "role": "ADMIN",
    }
    assert Membership.objects.get(user=personas.nuovo, organization=personas.coop).is_admin
    used = post(f"{API}/me/invitations/accept", {"token": token}, as_="nuovo")
    assert error_of(used, 400)["code"] == "used"
    assert not Membership.objects.filter(user=personas.oscar).exists()


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [("x" * 43, 400, "invalid"), ("not a token", 422, "malformed_request")],
)
def test_an_unknown_invitation_link_joins_nothing(personas, post, token, status, code):
    response = post(f"{API}/me/invitations/accept", {"token": token}, as_="oscar")

    assert error_of(response, status)["code"] == code
    assert not Membership.objects.filter(user=personas.oscar).exists()


@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [("pat", 403, "forbidden"), ("oscar", 404, "not_found"), ("fiona", 404, "not_found")],
)
def test_only_an_administrator_invites(personas, post, persona, status, code):
    response = post(
        f"{ORGS}/cooperativa-arcobaleno/invitations", {"email": "nuovo@coop.it"}, as_=persona
    )

    assert error_of(response, status)["code"] == code
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "pat@trama.test"}, 400, "already_member"),
        ({"email": "not-an-address"}, 400, "invalid"),
        ({"email": "nuovo@coop.it", "role": "OWNER"}, 422, "malformed_request"),
    ],
)
def test_it_refuses_an_invitation_it_cannot_send(
    personas, post, django_capture_on_commit_callbacks, body, status, code
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(f"{ORGS}/cooperativa-arcobaleno/invitations", body, as_="tom")

    error = error_of(response, status)
    assert error["code"] == code
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_an_administrator_lists_and_withdraws_pending_invitations(personas, client, token_for):
    invitation = services.invite_member(personas.coop, by=personas.tom, email="nuovo@coop.it")
    services.invite_member(personas.consortium, by=personas.tom, email="altro@coop.it")
    tom = token_for(personas.tom, "write")
    url = f"{ORGS}/cooperativa-arcobaleno/invitations"

    listed = client.get(url, headers=tom)
    assert [i["email"] for i in listed.json()["items"]] == ["nuovo@coop.it"]
    assert client.get(url, headers=token_for(personas.pat)).status_code == 403

    revoke = f"{url}/{invitation.pk}/revoke"
    by_member = client.post(revoke, headers=token_for(personas.pat, "write"))
    assert error_of(by_member, 403)["code"] == "forbidden"
    response = client.post(revoke, headers=tom)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "revoked"
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    assert client.get(url, headers=tom).json()["items"] == []
    joined = client.post(
        f"{API}/me/invitations/accept",
        {"token": invitation.token},
        content_type="application/json",
        headers=token_for(make_user("nuovo@coop.it"), "write"),
    )
    assert error_of(joined, 400)["code"] == "revoked"


def test_an_invitation_of_another_body_is_not_found(personas, post):
    elsewhere = services.invite_member(personas.consortium, by=personas.tom, email="a@coop.it")

    response = post(f"{ORGS}/cooperativa-arcobaleno/invitations/{elsewhere.pk}/revoke", as_="tom")

    assert error_of(response, 404)["code"] == "not_found"
    assert Invitation.objects.get(pk=elsewhere.pk).revoked_at is None


def test_a_person_accepts_an_invitation_sent_to_their_verified_address(personas, client, token_for):
    invitation = services.invite_member(
        personas.consortium, by=personas.tom, email="pat@trama.test"
    )
    services.invite_member(personas.consortium, by=personas.tom, email="oscar@trama.test")
    pat = token_for(personas.pat, "write")

    listed = client.get(f"{API}/me/invitations", headers=pat)
    assert [(i["id"], i["organization"]["slug"]) for i in listed.json()["items"]] == [
        (invitation.pk, "consorzio-lario")
    ]
    stolen = client.post(
        f"{API}/me/invitations/{invitation.pk}/accept", headers=token_for(personas.oscar, "write")
    )
    assert error_of(stolen, 400)["code"] == "invalid"
    assert not Membership.objects.filter(user=personas.oscar, organization=personas.consortium)

    response = client.post(f"{API}/me/invitations/{invitation.pk}/accept", headers=pat)
    assert response.status_code == 200, response.content
    assert response.json()["organization"]["slug"] == "consorzio-lario"
    assert Membership.objects.get(user=personas.pat, organization=personas.consortium).role == (
        "MEMBER"
    )
    assert client.get(f"{API}/me/invitations", headers=pat).json()["items"] == []


def test_an_unverified_address_accepts_only_by_the_link(personas, client, token_for):
    unverified = make_user("ida@trama.test")
    EmailAddress.objects.filter(user=unverified).update(verified=False)
    invitation = services.invite_member(personas.coop, by=personas.tom, email="ida@trama.test")

    response = client.post(
        f"{API}/me/invitations/{invitation.pk}/accept", headers=token_for(unverified, "write")
    )

    assert error_of(response, 400)["code"] == "invalid"
    assert not Membership.objects.filter(user=unverified).exists()


# Members


def membership(persona, org):
    return Membership.objects.get(user=persona, organization=org)


def test_an_administrator_changes_a_members_role(personas, post, client, token_for):
    pat = membership(personas.pat, personas.coop)

    response = post(
        f"{ORGS}/cooperativa-arcobaleno/members/{pat.pk}/role", {"role": "ADMIN"}, as_="tom"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["role"]) == (pat.pk, "ADMIN")
    assert membership(personas.pat, personas.coop).role == "ADMIN"
    listed = client.get(f"{ORGS}/cooperativa-arcobaleno/members", headers=token_for(personas.pat))
    assert {(m["id"], m["role"]) for m in listed.json()["items"]} == {
        (pat.pk, "ADMIN"),
        (membership(personas.tom, personas.coop).pk, "ADMIN"),
    }


def test_a_member_changes_no_role_and_the_last_administrator_stays(personas, post):
    tom = membership(personas.tom, personas.coop)
    by_member = post(
        f"{ORGS}/cooperativa-arcobaleno/members/{tom.pk}/role", {"role": "MEMBER"}, as_="pat"
    )
    assert error_of(by_member, 403)["code"] == "forbidden"

    last = membership(personas.tom, personas.consortium)
    response = post(f"{ORGS}/consorzio-lario/members/{last.pk}/role", {"role": "MEMBER"}, as_="tom")
    assert error_of(response, 400)["code"] == "last_admin"
    assert membership(personas.tom, personas.consortium).role == "ADMIN"
    assert membership(personas.tom, personas.coop).role == "ADMIN"


def test_a_member_leaves_but_removes_no_one_else(personas, post):
    tom = membership(personas.tom, personas.coop)
    pat = membership(personas.pat, personas.coop)

    removing_tom = post(f"{ORGS}/cooperativa-arcobaleno/members/{tom.pk}/remove", as_="pat")
    assert error_of(removing_tom, 403)["code"] == "forbidden"
    leaving = post(f"{ORGS}/cooperativa-arcobaleno/members/{pat.pk}/remove", as_="pat")
    assert (leaving.status_code, leaving.json()) == (200, {"removed": True})
    assert not Membership.objects.filter(pk=pat.pk).exists()
    assert Membership.objects.filter(pk=tom.pk).exists()


def test_an_administrator_removes_a_member_but_not_the_last_administrator(personas, post):
    eve = membership(personas.eve, personas.comune)
    alice = membership(personas.alice, personas.comune)

    removed = post(f"{ORGS}/comune-di-lecco/members/{eve.pk}/remove", as_="alice")
    assert removed.status_code == 200, removed.content
    assert not Membership.objects.filter(pk=eve.pk).exists()
    last = post(f"{ORGS}/comune-di-lecco/members/{alice.pk}/remove", as_="alice")
    assert error_of(last, 400)["code"] == "last_admin"
    assert Membership.objects.filter(pk=alice.pk).exists()


@pytest.mark.parametrize("act", ["remove", "role"])
def test_acts_on_members_of_another_body_are_not_found(personas, post, act):
    pat = membership(personas.pat, personas.coop)

    elsewhere = post(f"{ORGS}/consorzio-lario/members/{pat.pk}/{act}", {"role": "ADMIN"}, as_="tom")
    outsider = post(
        f"{ORGS}/cooperativa-arcobaleno/members/{pat.pk}/{act}", {"role": "ADMIN"}, as_="oscar"
    )

    assert error_of(elsewhere, 404)["code"] == "not_found"
    assert error_of(outsider, 404)["code"] == "not_found"
    assert membership(personas.pat, personas.coop).role == "MEMBER"
