import pytest
from django.urls import reverse

from trama.community.access import member_of
from trama.community.models import Member
from trama.conftest import make_user
from trama.organizations.models import Membership

from .conftest import join

QUERIES_ANON = 6
QUERIES_MEMBER = 12

pytestmark = pytest.mark.django_db


@pytest.fixture
def profiles(personas, topics, lombardia):
    """Alice (public body, members only), Tom (Third Sector, public), Pat (left)."""
    alice = join(
        personas.alice,
        name="Alice Rossi",
        organizations=[personas.comune],
        region=lombardia,
        topics=[topics["avvisi"]],
    )
    tom = join(
        personas.tom,
        name="Tom Verdi",
        organizations=[personas.consortium],
        topics=[topics["volontariato"]],
        visibility="PUBLIC",
    )
    from trama.community import services

    pat = services.leave_community(join(personas.pat, name="Pat Neri"), by=personas.pat)
    return alice, tom, pat


def _names(response):
    assert response.status_code == 200
    return {m.public_name for m in response.context["page"].object_list}


def test_the_directory_shows_each_profile_to_whom_it_may(personas, profiles, client_for):
    url = reverse("community:members")
    # Anonymous visitors and people with an account who did not join: public profiles.
    assert _names(client_for(None).get(url)) == {"Tom Verdi"}
    assert _names(client_for(personas.oscar).get(url)) == {"Tom Verdi"}
    # Members: the members-only profiles too; never the profile of someone who left.
    assert _names(client_for(personas.tom).get(url)) == {"Alice Rossi", "Tom Verdi"}


def test_a_profile_page_is_a_404_for_whoever_may_not_read_it(personas, profiles, client_for):
    alice, tom, pat = profiles
    assert client_for(None).get(alice.get_absolute_url()).status_code == 404
    assert client_for(personas.oscar).get(alice.get_absolute_url()).status_code == 404
    page = client_for(personas.tom).get(alice.get_absolute_url())
    assert page.status_code == 200 and b"Alice Rossi" in page.content
    assert client_for(None).get(tom.get_absolute_url()).status_code == 200
    assert client_for(personas.tom).get(pat.get_absolute_url()).status_code == 404


def test_the_directory_filters_by_region_kind_of_body_and_topic(
    personas, profiles, topics, lombardia, client_for
):
    client = client_for(personas.alice)
    url = reverse("community:members")
    assert _names(client.get(url, {"region": lombardia.pk})) == {"Alice Rossi"}
    assert _names(client.get(url, {"kind": "THIRD_SECTOR"})) == {"Tom Verdi"}
    assert _names(client.get(url, {"topic": "volontariato"})) == {"Tom Verdi"}
    # A filter that names nothing is ignored with a message, never a 500.
    page = client.get(url, {"topic": "nessuno", "region": "abc"})
    assert _names(page) == {"Alice Rossi", "Tom Verdi"}
    assert "Some filters" in page.content.decode() or "Alcuni filtri" in page.content.decode()
    empty = client.get(url, {"kind": "FUNDER"})
    assert _names(empty) == set() and b'class="callout"' in empty.content


def _many_members(personas, topics, start, n):
    for i in range(start, start + n):
        user = make_user(f"m{i}@trama.test")
        Membership.objects.create(organization=personas.coop, user=user, role="MEMBER")
        join(
            user,
            name=f"Membro prova {i:02}",
            organizations=[personas.coop],
            topics=list(topics.values()),
            visibility="PUBLIC",
        )


@pytest.mark.parametrize(("persona", "queries"), [(None, QUERIES_ANON), ("tom", QUERIES_MEMBER)])
def test_the_member_directory_reads_a_fixed_number_of_queries(
    personas, topics, client_for, django_assert_num_queries, persona, queries
):
    if persona:
        join(getattr(personas, persona))
    client = client_for(getattr(personas, persona) if persona else None)
    url = reverse("community:members")
    _many_members(personas, topics, 0, 2)
    with django_assert_num_queries(queries):
        assert len(client.get(url).context["page"].object_list) >= 2
    _many_members(personas, topics, 2, 23)  # more than a page
    with django_assert_num_queries(queries):
        page = client.get(url, {"page": 2}).context["page"]
    assert page.paginator.count >= 25 and len(page.object_list) >= 5


def test_the_organisation_directory_counts_procedures_and_agreements(
    personas, profiles, client_for
):
    from trama.organizations.models import Organization

    url = reverse("community:organizations")
    rows = {o.name: o for o in client_for(None).get(url).context["page"].object_list}
    # On the directory through their people in the community (no procedure in this scenario).
    assert set(rows) == {"Comune di Lecco", "Consorzio Lario"}
    assert rows["Comune di Lecco"].procedure_count == 0
    by_kind = client_for(None).get(url, {"kind": Organization.Kind.PUBLIC_BODY})
    assert [o.name for o in by_kind.context["page"].object_list] == ["Comune di Lecco"]
    from trama.territories.models import Region

    # A region by its row (its id changes when another test reloads the territories).
    piemonte = Region.objects.get(istat_code="01")
    other_region = client_for(None).get(url, {"region": piemonte.pk, "kind": "FUNDER"})
    assert list(other_region.context["page"].object_list) == []
    assert b'class="callout"' in other_region.content


def test_joining_editing_and_leaving_through_the_pages(personas, topics, client_for):
    client = client_for(personas.tom)
    # Without consent: the page again, as typed, with the refusal on the checkbox.
    data = {
        "display_name": "Tom Verdi",
        "organizations": [personas.consortium.pk],
        "topics": [topics["avvisi"].pk],
        "visibility": "PUBLIC",
        "bio": "Coordinatore",
    }
    refused = client.post(reverse("community:join"), data)
    assert refused.status_code == 400 and refused.context["form"].errors["consent"]
    assert b"Coordinatore" in refused.content and not Member.objects.exists()
    # An organisation he is not a member of: refused on its field (the form offers only his).
    other = client.post(
        reverse("community:join"), data | {"consent": "on", "organizations": [personas.comune.pk]}
    )
    assert other.status_code == 400 and other.context["form"].errors["organizations"]
    joined = client.post(reverse("community:join"), data | {"consent": "on"})
    me = member_of(personas.tom)
    assert joined.status_code == 302 and joined.url == me.get_absolute_url()
    welcome = client.get(joined.url).content.decode()
    assert "Ti diamo il benvenuto nella comunità di pratiche." in welcome
    assert client.get(reverse("community:join")).url == reverse("community:edit")
    edited = client.post(reverse("community:edit"), data | {"display_name": ""})
    assert edited.status_code == 400 and edited.context["form"].errors["display_name"]
    client.post(reverse("community:edit"), data | {"display_name": "T. Verdi"})
    me.refresh_from_db()
    assert me.display_name == "T. Verdi"
    # Leaving: a review page with a red button, then the act.
    review = client.get(reverse("community:leave"))
    assert review.status_code == 200 and b"btn-danger" in review.content
    token = review.context["token"]
    left = client.post(reverse("community:leave"), {"review_token": token})
    assert left.status_code == 302
    me.refresh_from_db()
    assert me.left_at is not None and me.user is None
    # The same POST again (a double click) acts no more.
    again = client.post(reverse("community:leave"), {"review_token": token})
    assert again.status_code == 302 and again.url == reverse("community:join")


def test_the_pages_ask_anonymous_visitors_to_sign_in(client_for):
    client = client_for(None)
    for name in ("join", "edit", "leave"):
        response = client.get(reverse(f"community:{name}"))
        assert response.status_code == 302 and "login" in response.url


def test_the_organisation_directory_counts_what_anyone_may_see(
    personas, client_for, django_assert_num_queries
):
    import datetime

    from django.utils import timezone

    from trama.agreements.models import Agreement, Party
    from trama.organizations.models import Organization
    from trama.procedures.models import Procedure
    from trama.procedures.services.history import record_historical_procedure
    from trama.programs.services import create_program

    program = create_program(
        by=personas.alice, owner=personas.comune, title="Welfare", start_year=2006, end_year=2016
    )
    first = record_historical_procedure(
        by=personas.alice,
        program=program,
        title="Primo avviso",
        kind=Procedure.Kind.CO_DESIGN,
        participants=[personas.consortium],
    )
    record_historical_procedure(
        by=personas.alice, program=program, title="Secondo", kind=Procedure.Kind.CO_DESIGN
    )
    # A draft call is the public body's own until published: it does not count.
    Procedure.objects.create(program=program, owner=personas.comune, title="Bozza")
    agreement = Agreement.objects.create(
        procedure=first,
        object="Convenzione",
        starts_on=datetime.date(2006, 1, 1),
        ends_on=datetime.date(2008, 12, 31),
        created_by=personas.alice,
        signed_at=timezone.now(),
    )
    for org, role in ((personas.comune, "PUBLIC_BODY"), (personas.consortium, "LEAD")):
        Party.objects.create(agreement=agreement, organization=org, role=role)
    url = reverse("community:organizations")
    client = client_for(None)
    rows = {o.name: o for o in client.get(url).context["page"].object_list}
    assert set(rows) == {"Comune di Lecco", "Consorzio Lario"}
    assert (rows["Comune di Lecco"].procedure_count, rows["Comune di Lecco"].agreement_count) == (
        2,
        1,
    )
    assert (rows["Consorzio Lario"].procedure_count, rows["Consorzio Lario"].agreement_count) == (
        1,
        1,
    )
    page = client.get(url).content.decode()
    assert "Cooperativa Arcobaleno" not in page  # nothing on Trama, nobody in the community
    # More bodies than a page: the same queries.
    municipality = personas.coop.municipality
    with django_assert_num_queries(3):
        client.get(url)
    for i in range(22):
        body = Organization.objects.create(
            name=f"Associazione {i:02}",
            slug=f"associazione-{i}",
            kind="THIRD_SECTOR",
            legal_form="ASSOCIATION",
            municipality=municipality,
        )
        first.participants.add(body)
    with django_assert_num_queries(3):
        listed = client.get(url, {"page": 2}).context["page"]
    assert listed.paginator.count == 24
