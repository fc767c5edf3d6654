import pytest

from trama.community.discussions import services
from trama.community.discussions.models import Post
from trama.community.discussions.tests.conftest import People

BASE = "/api/v1/community/discussions"


@pytest.fixture
def people(db, settings):
    settings.DISCUSSION_POST_RATES = {"minute": 1000, "hour": 1000}
    return People()


def test_it_posts_and_lists_through_the_api(people, client, token_for, settings):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    headers = token_for(people.bruno, "write")
    response = client.post(
        f"{BASE}/threads/{thread.pk}/posts",
        {"text": "Risposta <script>x</script>", "key": "k"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    assert "<script>" not in response.json()["html"]
    again = client.post(
        f"{BASE}/threads/{thread.pk}/posts",
        {"text": "Risposta <script>x</script>", "key": "k"},
        content_type="application/json",
        headers=headers,
    )
    assert again.json()["id"] == response.json()["id"]
    listed = client.get(f"{BASE}/threads/{thread.pk}/posts", headers=headers).json()
    assert [p["author"] for p in listed["items"]] == ["Anna Bianchi", "Bruno Neri"]
    # Outsiders (no membership) are refused; posting too fast is a 429.
    out = client.get(f"{BASE}/threads/{thread.pk}/posts", headers=token_for(people.outsider))
    assert out.status_code in (403, 404)
    settings.DISCUSSION_POST_RATES = {"minute": 1, "hour": 10}  # Bruno posted one already
    fast = client.post(
        f"{BASE}/threads/{thread.pk}/posts", {"text": "due"},
        content_type="application/json", headers=headers,
    )  # fmt: skip
    assert fast.status_code == 429 and fast.json()["error"]["code"] == "rate_limited"
    assert not Post.objects.filter(source="due").exists()
