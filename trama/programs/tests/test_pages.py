"""The program pages: the public list, opening a program, and who may do it."""

import re
from html import unescape

import pytest
from django.urls import reverse
from stdnum import luhn

from trama.conftest import make_org
from trama.programs.models import Program
from trama.programs.services import create_program

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return unescape(response.content.decode())


def tax_code(i: int) -> str:
    base = f"0{i + 200000:06d}013"
    return base + luhn.calc_check_digit(base)


@pytest.mark.parametrize(
    "who, can_create",
    [
        (None, False),
        ("oscar", False),
        ("tom", False),
        ("fiona", False),
        ("alice", True),
        ("eve", True),
    ],
)
def test_the_program_list_is_public_and_offers_a_new_program_to_public_bodies(
    personas, program, client_for, who, can_create
):
    response = client_for(getattr(personas, who) if who else None).get(reverse("programs:list"))
    assert response.status_code == 200
    page = body(response)
    assert program.get_absolute_url() in page and personas.comune.get_absolute_url() in page
    assert "2016–2020" in page
    assert ('data-action="new-program"' in page) is can_create


def test_the_main_menu_links_the_programs(client):
    assert f'href="{reverse("programs:list")}"' in body(client.get("/"))


def test_the_program_list_pages_with_bounded_queries(
    personas, client_for, django_assert_max_num_queries
):
    for i in range(25):
        create_program(
            by=personas.alice,
            owner=personas.comune,
            title=f"Programma {i:02d}",
            start_year=2000 + i,
            end_year=2030,
        )
    client = client_for(personas.tom)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("programs:list"))
    with django_assert_max_num_queries(8):
        second = client.get(reverse("programs:list"), {"page": 2})
    assert body(first).count('data-program="') == 0  # rows carry links, not markers
    assert len(re.findall(r'href="/programmi/programma-\d\d/"', body(first))) == 20
    assert len(re.findall(r'href="/programmi/programma-\d\d/"', body(second))) == 5


@pytest.mark.parametrize("who, status", [(None, 302), ("oscar", 403), ("tom", 403), ("fiona", 403)])
def test_only_members_of_a_verified_public_body_open_a_program(personas, client_for, who, status):
    response = client_for(getattr(personas, who) if who else None).get(reverse("programs:create"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("account_login"))


def test_an_unverified_public_body_cannot_open_a_program(personas, client_for):
    make_org("Comune di Oggiono", by=personas.oscar, kind="PUBLIC_BODY", tax_code=tax_code(99))
    assert client_for(personas.oscar).get(reverse("programs:create")).status_code == 403


def test_alice_opens_a_program(personas, client_for):
    client = client_for(personas.alice)
    assert client.get(reverse("programs:create")).status_code == 200
    response = client.post(
        reverse("programs:create"),
        {
            "owner": personas.comune.pk,
            "title": "Abitare sociale",
            "area": "HOUSING",
            "start_year": 2020,
            "end_year": 2024,
        },
    )
    program = Program.objects.get(title="Abitare sociale")
    assert response["Location"] == program.get_absolute_url()
    assert program.owner == personas.comune and program.area == "HOUSING"


def test_a_program_whose_years_run_backwards_is_refused(personas, client_for):
    response = client_for(personas.alice).post(
        reverse("programs:create"),
        {
            "owner": personas.comune.pk,
            "title": "X",
            "area": "HOUSING",
            "start_year": 2024,
            "end_year": 2020,
        },
    )
    assert response.status_code == 400
    assert not Program.objects.exists()
