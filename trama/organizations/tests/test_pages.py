import pytest
from django.core import mail
from django.urls import reverse

from trama.conftest import make_org
from trama.organizations import services
from trama.organizations.models import Membership, Organization

pytestmark = pytest.mark.django_db

# Who sees what on the consortium (tom admin; pat is in another body; oscar outsider).
PRIVATE_PAGES = ["members", "edit", "security", "audit"]
ADMIN_PAGES = ["edit", "security", "audit"]


def _url(name, org):
    return reverse(f"organizations:{name}", args=[org.slug])


@pytest.mark.parametrize("who", [None, "oscar", "pat", "tom", "sam"])
def test_it_shows_the_public_profile_to_everyone(personas, client_for, who):
    client = client_for(getattr(personas, who) if who else None)
    response = client.get(_url("detail", personas.consortium))
    assert response.status_code == 200
    assert "05260180137" in response.content.decode()


@pytest.mark.parametrize("page", PRIVATE_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(personas, client_for, page):
    response = client_for(None).get(_url(page, personas.consortium))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("page", PRIVATE_PAGES)
@pytest.mark.parametrize("who", ["oscar", "pat", "sam"])
def test_it_hides_private_pages_from_non_members(personas, client_for, page, who):
    response = client_for(getattr(personas, who)).get(_url(page, personas.consortium))
    assert response.status_code == 404


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_it_forbids_admin_pages_to_plain_members(personas, client_for, page):
    response = client_for(personas.pat).get(_url(page, personas.coop))
    assert response.status_code == 403


def test_a_member_sees_the_members_but_not_the_invitation_form(personas, client_for):
    response = client_for(personas.pat).get(_url("members", personas.coop))
    assert response.status_code == 200
    body = response.content.decode()
    assert "tom@trama.test" in body
    assert 'name="email"' not in body


def test_a_member_cannot_invite(personas, client_for):
    response = client_for(personas.pat).post(
        _url("members", personas.coop), {"email": "x@y.it", "role": "ADMIN"}
    )
    assert response.status_code == 403
    assert not personas.coop.invitations.exists()


@pytest.mark.parametrize("page", ADMIN_PAGES + ["members"])
def test_the_admin_opens_every_page(personas, client_for, page):
    assert client_for(personas.tom).get(_url(page, personas.coop)).status_code == 200


def test_the_admin_invites_and_an_email_leaves(
    personas, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas.tom)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("members", personas.coop), {"email": "nuovo@coop.it", "role": "MEMBER"}
        )
    assert response.status_code == 302
    assert mail.outbox[0].to == ["nuovo@coop.it"]
    assert "nuovo@coop.it" in client.get(_url("members", personas.coop)).content.decode()


def test_a_member_can_leave_but_not_remove_others(personas, client_for):
    tom_membership = Membership.objects.get(organization=personas.coop, user=personas.tom)
    pat_membership = Membership.objects.get(organization=personas.coop, user=personas.pat)
    client = client_for(personas.pat)
    url = reverse("organizations:remove_member", args=[personas.coop.slug, tom_membership.pk])
    assert client.post(url).status_code == 403
    url = reverse("organizations:remove_member", args=[personas.coop.slug, pat_membership.pk])
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(pk=pat_membership.pk).exists()


def test_the_last_admin_is_told_why_they_cannot_leave(personas, client_for):
    membership = Membership.objects.get(organization=personas.consortium, user=personas.tom)
    client = client_for(personas.tom)
    url = reverse("organizations:remove_member", args=[personas.consortium.slug, membership.pk])
    response = client.post(url, follow=True)
    assert "almeno un amministratore" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_creating_with_a_bad_tax_code_keeps_what_was_typed(personas, client_for):
    client = client_for(personas.oscar)
    data = {
        "name": "Associazione Il Faro",
        "kind": "THIRD_SECTOR",
        "legal_form": "ASSOCIATION",
        "tax_code": "12345678901",
        "municipality": "Lecco (LC)",
        "pec": "faro@pec.it",
    }
    response = client.post(reverse("organizations:create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "non è un codice fiscale valido" in body
    assert 'value="Associazione Il Faro"' in body and 'value="faro@pec.it"' in body
    assert not Organization.objects.filter(name="Associazione Il Faro").exists()


def test_creating_with_an_unknown_municipality_says_so(personas, client_for):
    response = client_for(personas.oscar).post(
        reverse("organizations:create"),
        {
            "name": "X",
            "kind": "OTHER",
            "legal_form": "OTHER",
            "tax_code": "00166130138",
            "municipality": "Atlantide",
        },
    )
    assert response.status_code == 400
    assert "Atlantide" in response.content.decode()


def test_creating_with_a_taken_tax_code_offers_to_ask_to_join(personas, client_for):
    response = client_for(personas.oscar).post(
        reverse("organizations:create"),
        {
            "name": "Comune di Lecco bis",
            "kind": "PUBLIC_BODY",
            "public_body_type": "MUNICIPALITY",
            "legal_form": "PUBLIC_ENTITY",
            "tax_code": "00623530136",
            "municipality": "Lecco (LC)",
        },
    )
    assert response.status_code == 400
    assert reverse("organizations:claim", args=[personas.comune.slug]) in response.content.decode()


def test_creating_an_organisation_makes_it_the_active_one(personas, client_for):
    client = client_for(personas.oscar)
    response = client.post(
        reverse("organizations:create"),
        {
            "name": "Associazione Il Faro",
            "kind": "THIRD_SECTOR",
            "legal_form": "ASSOCIATION",
            "tax_code": "00166130138",
            "municipality": "lecco",
        },
    )
    org = Organization.objects.get(name="Associazione Il Faro")
    assert response["Location"] == org.get_absolute_url()
    assert client.session["active_org"] == org.pk


def test_the_header_switches_the_active_organisation(personas, client_for):
    client = client_for(personas.tom)
    response = client.post(
        reverse("organizations:switch"),
        {"organization": personas.coop.pk, "next": "/enti/"},
    )
    assert response["Location"] == "/enti/"
    page = client.get("/enti/").content.decode()
    assert f'<option value="{personas.coop.pk}" selected>' in page
    # Someone else's organisation cannot be made active.
    client.post(reverse("organizations:switch"), {"organization": personas.comune.pk})
    assert client.session["active_org"] == personas.coop.pk


def test_the_header_shows_the_bodies_as_they_are_now(personas, client_for):
    """The header's bodies are kept between pages, yet a change shows on the next one."""
    client = client_for(personas.tom)
    option = f'<option value="{personas.coop.pk}"'
    assert option in client.get("/enti/").content.decode()
    personas.coop.name = "Cooperativa Arcobaleno Nuova"
    personas.coop.save()
    assert "Cooperativa Arcobaleno Nuova</option>" in client.get("/enti/").content.decode()
    Membership.objects.filter(user=personas.tom, organization=personas.coop).delete()
    assert option not in client.get("/enti/").content.decode()
    Membership.objects.create(user=personas.tom, organization=personas.coop, role="MEMBER")
    assert option in client.get("/enti/").content.decode()


def test_the_switch_does_not_redirect_off_site(personas, client_for):
    response = client_for(personas.tom).post(
        reverse("organizations:switch"),
        {"organization": personas.coop.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("pages:dashboard")


def test_the_directory_filters_and_pages_with_bounded_queries(
    personas, client, django_assert_max_num_queries
):
    from stdnum import luhn

    for i in range(30):
        base = f"0{i + 100000:06d}013"
        make_org(
            f"Associazione numero {i:02d}",
            by=personas.oscar,
            tax_code=base + luhn.calc_check_digit(base),
            municipality="Torino (TO)",
        )
    with django_assert_max_num_queries(8):
        response = client.get("/enti/", {"kind": "THIRD_SECTOR"})
    assert response.status_code == 200
    assert "32 enti" in response.content.decode()
    with django_assert_max_num_queries(8):
        response = client.get(
            "/enti/", {"province": personas.comune.municipality.province_id, "page": 1}
        )
    body = response.content.decode()
    assert "Comune di Lecco" in body and "Associazione numero" not in body


def test_the_directory_ignores_malformed_filters(personas, client):
    response = client.get("/enti/", {"region": "abc", "page": "zzz"})
    assert response.status_code == 200


def test_the_directory_says_when_nothing_matches(personas, client):
    response = client.get("/enti/", {"q": "nessun ente si chiama così"})
    assert "Nessun ente trovato" in response.content.decode()


def test_an_oversized_request_is_refused_with_400(personas, client_for):
    response = client_for(personas.tom).post(
        _url("members", personas.coop), {"email": "x" * 3_000_000, "role": "MEMBER"}
    )
    assert response.status_code == 400


def test_an_expired_invitation_link_says_so(personas, client_for):
    invitation = services.invite_member(personas.coop, by=personas.tom, email="x@coop.it")
    services.revoke_invitation(invitation, by=personas.tom)
    response = client_for(None).get(reverse("organizations:invitation", args=[invitation.token]))
    assert response.status_code == 410
    assert "ritirato" in response.content.decode()


def test_the_dashboard_lists_my_organisations_and_next_steps(personas, client_for):
    body = client_for(personas.tom).get(reverse("pages:dashboard")).content.decode()
    assert "Consorzio Lario" in body and "Cooperativa Arcobaleno" in body
    assert "Completa il profilo" in body
    empty = client_for(personas.oscar).get(reverse("pages:dashboard")).content.decode()
    assert "Registra un ente" in empty


def test_the_only_admin_is_not_offered_a_button_that_cannot_work(personas, client_for):
    body = client_for(personas.tom).get(_url("members", personas.consortium)).content.decode()
    assert "Unico amministratore" in body
    assert "Esci dall&#x27;ente" not in body and "Esci dall'ente" not in body
