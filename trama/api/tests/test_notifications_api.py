"""The token owner's notifications in the API: the inbox, marking read, the e-mail choices."""

import pytest

from trama.notifications.models import Delivery, Kind, Notification, Preference
from trama.notifications.services import notify
from trama.organizations import services as org_services

ME = "/api/v1/me/notifications"


def error_of(response, status):
    assert response.status_code == status, response.content
    return response.json()["error"]


@pytest.fixture
def told(personas):
    """Oscar asked to join the consortium twice, and the staff said no each time: two
    notifications of his; sam, platform staff, has those of the bodies registered."""
    for message in ("Sono il presidente.", "Sono ancora il presidente."):
        claim = org_services.claim_organization(
            personas.consortium, by=personas.oscar, message=message
        )
        org_services.decide_claim(claim, by=personas.sam, approve=False)
    return list(Notification.objects.filter(recipient=personas.oscar).order_by("pk"))


def test_it_lists_the_owners_notifications_newest_first(personas, told, client, token_for):
    response = client.get(ME, headers=token_for(personas.oscar))

    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [n["id"] for n in items] == [told[1].pk, told[0].pk]
    assert items[0]["kind"] == "claim_decided"
    assert items[0]["title"] == told[1].title and items[0]["body"] == told[1].body
    assert items[0]["url"].endswith("/enti/consorzio-lario/")
    assert items[0]["read_at"] is None
    # Another person's notifications are not there, nor are Oscar's in theirs.
    sam = client.get(ME, headers=token_for(personas.sam)).json()["items"]
    assert sam and not {n["id"] for n in sam} & {n.pk for n in told}


def test_it_marks_one_notification_read_for_its_owner_only(personas, told, client, token_for):
    url = f"{ME}/{told[0].pk}/read"

    by_someone_else = client.post(url, headers=token_for(personas.sam, "write"))
    assert error_of(by_someone_else, 404)["code"] == "not_found"
    read_only = client.post(url, headers=token_for(personas.oscar, "read"))
    assert error_of(read_only, 403)["code"] == "token_read_only"
    assert Notification.objects.get(pk=told[0].pk).read_at is None

    response = client.post(url, headers=token_for(personas.oscar, "write"))
    assert response.status_code == 200, response.content
    assert response.json()["id"] == told[0].pk and response.json()["read_at"]
    assert Notification.objects.get(pk=told[0].pk).read_at is not None
    unread = client.get(ME, {"unread": "true"}, headers=token_for(personas.oscar))
    assert [n["id"] for n in unread.json()["items"]] == [told[1].pk]
    read = client.get(ME, {"unread": "false"}, headers=token_for(personas.oscar))
    assert [n["id"] for n in read.json()["items"]] == [told[0].pk]


def test_it_marks_every_notification_of_the_owner_read(personas, told, client, token_for):
    sams_unread = Notification.objects.filter(recipient=personas.sam, read_at__isnull=True).count()

    response = client.post(f"{ME}/read-all", headers=token_for(personas.oscar, "write"))
    again = client.post(f"{ME}/read-all", headers=token_for(personas.oscar, "write"))

    assert (response.status_code, response.json()) == (200, {"marked": 2})
    assert again.json() == {"marked": 0}
    assert not Notification.objects.filter(recipient=personas.oscar, read_at__isnull=True)
    assert (
        Notification.objects.filter(recipient=personas.sam, read_at__isnull=True).count()
        == sams_unread
    )


def test_notifications_need_a_token(personas, told, client):
    assert error_of(client.get(ME), 401)["code"] == "unauthenticated"
    assert error_of(client.post(f"{ME}/read-all"), 401)["code"] == "unauthenticated"
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_it_lists_a_page_of_notifications_in_a_bounded_number_of_queries(
    personas, client, token_for, django_assert_max_num_queries
):
    for n in range(30):
        notify(
            [personas.oscar],
            Kind.CLAIM_DECIDED,
            template="organizations/email/claim_decided",
            context={"claim": None, "organization": personas.consortium},
            path=f"/enti/consorzio-lario/?n={n}",
        )
    headers = token_for(personas.oscar)

    with django_assert_max_num_queries(4):  # token, its last use, count, page
        response = client.get(ME, {"limit": 20}, headers=headers)

    assert len(response.json()["items"]) == 20
    assert response.json()["count"] == 30


# Preferences


def choices(response):
    assert response.status_code == 200, response.content
    return {p["kind"]: p["delivery"] for p in response.json()}


def test_it_shows_and_records_how_each_kind_reaches_the_owner(personas, client, token_for):
    headers = token_for(personas.oscar, "write")

    before = choices(client.get(f"{ME}/preferences", headers=headers))
    assert set(before.values()) == {"immediate"}
    assert "body_to_verify" not in before  # the staff's own kinds: only for the staff

    response = client.post(
        f"{ME}/preferences",
        {"choices": {"claim_decided": "digest", "followed_act": "inbox"}},
        content_type="application/json",
        headers=headers,
    )

    after = choices(response)
    assert after == {**before, "claim_decided": "digest", "followed_act": "inbox"}
    assert dict(Preference.objects.filter(user=personas.oscar).values_list("kind", "delivery")) == {
        "claim_decided": Delivery.DIGEST,
        "followed_act": Delivery.INBOX,
    }
    assert choices(client.get(f"{ME}/preferences", headers=headers)) == after
    # Back to an e-mail at once: the row goes, the other choice stays.
    client.post(
        f"{ME}/preferences",
        {"choices": {"claim_decided": "immediate"}},
        content_type="application/json",
        headers=headers,
    )
    assert list(Preference.objects.filter(user=personas.oscar).values_list("kind", flat=True)) == [
        "followed_act"
    ]


def test_only_the_staff_choose_about_the_staffs_kinds(personas, client, token_for):
    body = {"choices": {"body_to_verify": "digest", "claim_decided": "digest"}}

    refused = client.post(
        f"{ME}/preferences",
        body,
        content_type="application/json",
        headers=token_for(personas.oscar, "write"),
    )
    staff = client.post(
        f"{ME}/preferences",
        body,
        content_type="application/json",
        headers=token_for(personas.sam, "write"),
    )

    error = error_of(refused, 400)
    assert error["code"] == "unknown_kind" and "choices.body_to_verify" in error["fields"]
    assert not Preference.objects.filter(user=personas.oscar).exists()
    assert choices(staff)["body_to_verify"] == "digest"


@pytest.mark.parametrize(
    ("body", "scope", "status"),
    [
        ({"choices": {"claim_decided": "weekly"}}, "write", 422),
        ({"choices": {"no_such_kind": "digest"}}, "write", 422),
        ({"claim_decided": "digest"}, "write", 422),
        ({"choices": {"claim_decided": "digest"}}, "read", 403),
    ],
)
def test_it_refuses_choices_it_cannot_record(personas, client, token_for, body, scope, status):
    response = client.post(
        f"{ME}/preferences",
        body,
        content_type="application/json",
        headers=token_for(personas.oscar, scope),
    )

    assert response.status_code == status, response.content
    assert not Preference.objects.exists()
