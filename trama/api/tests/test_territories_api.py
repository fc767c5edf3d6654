import pytest

TERRITORIES = "/api/v1/territories"
LECCO = {
    "istat_code": "097042",
    "name": "Lecco",
    "cadastral_code": "E507",
    "province": {
        "istat_code": "097",
        "name": "Lecco",
        "abbreviation": "LC",
        "region": {"istat_code": "03", "name": "Lombardia"},
    },
}


def municipality_names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def test_it_lists_the_twenty_regions_by_istat_code(db, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get(f"{TERRITORIES}/regions")

    assert response.status_code == 200
    regions = response.json()
    assert len(regions) == 20
    assert [r["istat_code"] for r in regions] == [f"{n:02}" for n in range(1, 21)]
    assert {"istat_code": "03", "name": "Lombardia"} in regions


def test_it_lists_every_province_in_one_query(db, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get(f"{TERRITORIES}/provinces")

    assert response.status_code == 200
    provinces = response.json()
    assert len(provinces) == 107
    assert len({p["region"]["istat_code"] for p in provinces}) == 20


def test_it_lists_the_provinces_of_a_region_by_name(db, client):
    response = client.get(f"{TERRITORIES}/provinces", {"region": "03"})

    assert response.status_code == 200
    provinces = response.json()
    assert [p["abbreviation"] for p in provinces] == [
        "BG", "BS", "CO", "CR", "LC", "LO", "MN", "MI", "MB", "PV", "SO", "VA",
    ]  # fmt: skip
    assert {p["region"]["name"] for p in provinces} == {"Lombardia"}
    lecco = provinces[4]
    assert (lecco["istat_code"], lecco["name"], lecco["abbreviation"]) == ("097", "Lecco", "LC")


def test_it_lists_no_provinces_for_an_unknown_region(db, client):
    response = client.get(f"{TERRITORIES}/provinces", {"region": "99"})

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("q", ["Lecc", "lecc", "  LECC "])
def test_it_finds_municipalities_by_the_start_of_their_name(db, client, q):
    response = client.get(f"{TERRITORIES}/municipalities", {"q": q})

    assert municipality_names(response) == ["Lecce", "Lecce nei Marsi", "Lecco"]
    assert response.json()["count"] == 3
    assert response.json()["items"][2] == LECCO


def test_it_does_not_match_municipalities_in_the_middle_of_their_name(db, client):
    response = client.get(f"{TERRITORIES}/municipalities", {"q": "ecco"})

    assert "Lecco" not in municipality_names(response)


@pytest.mark.parametrize(
    ("query", "count", "province_codes"),
    [
        ({"province": "LC"}, 84, {"097"}),
        ({"province": "lc"}, 84, {"097"}),
        ({"region": "02"}, 74, {"007"}),  # Valle d'Aosta: one province
        ({"region": "03", "q": "Lecco"}, 1, {"097"}),
        ({"province": "RM", "q": "Lecco"}, 0, set()),
        ({"province": "XX"}, 0, set()),
    ],
)
def test_it_filters_municipalities_by_province_and_region(db, client, query, count, province_codes):
    response = client.get(f"{TERRITORIES}/municipalities", {**query, "limit": 100})

    assert response.status_code == 200
    assert response.json()["count"] == count
    items = response.json()["items"]
    assert len(items) == min(count, 100)
    assert {m["province"]["istat_code"] for m in items} == province_codes


def test_it_pages_municipalities_with_limit_and_offset(db, client):
    first_ten = municipality_names(
        client.get(f"{TERRITORIES}/municipalities", {"province": "LC", "limit": 10})
    )
    page = client.get(f"{TERRITORIES}/municipalities", {"province": "LC", "limit": 5, "offset": 5})

    assert municipality_names(page) == first_ten[5:]
    assert page.json()["count"] == 84
    assert first_ten == sorted(first_ten)


def test_it_lists_a_page_of_municipalities_in_a_bounded_number_of_queries(
    db, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):  # count, page
        response = client.get(f"{TERRITORIES}/municipalities")

    assert response.json()["count"] > 7000
    assert len(response.json()["items"]) == 100  # a full default page, each with its province


def test_it_shows_a_municipality_by_istat_code(db, client):
    response = client.get(f"{TERRITORIES}/municipalities/097042")

    assert response.status_code == 200
    assert response.json() == LECCO


@pytest.mark.parametrize("code", ["999999", "97042", "Lecco"])
def test_it_answers_an_unknown_municipality_with_a_json_404(db, client, code):
    response = client.get(f"{TERRITORIES}/municipalities/{code}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["error"]["code"] == "not_found"


def test_it_refuses_a_malformed_page_request(db, client):
    response = client.get(f"{TERRITORIES}/municipalities", {"limit": "all"})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "malformed_request"
    assert "limit" in response.json()["error"]["fields"]
