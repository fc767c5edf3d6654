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


def test_the_asker_or_a_facilitator_accepts_an_answer(people, client, token_for):
    question = services.start_thread(
        people.anna, people.category, title="Come rendicontare?", text="Le ore?", is_question=True
    )
    opening = question.posts.get()
    answer = services.reply(people.bruno, question, text="Con un registro.")
    other = services.reply(people.bruno, question, text="O con le firme.")
    url = f"{BASE}/posts/{answer.pk}/accept"

    def accept(user, post_id=answer.pk, scope="write"):
        return client.post(
            f"{BASE}/posts/{post_id}/accept", content_type="application/json",
            headers=token_for(user, scope),
        )  # fmt: skip

    assert accept(people.bruno).json()["error"]["code"] == "forbidden"  # wrote it, didn't ask
    assert accept(people.outsider).status_code == 404  # not a member: sees no post
    assert accept(people.anna, scope="read").json()["error"]["code"] == "token_read_only"
    bad = accept(people.anna, opening.pk)
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "bad_answer")

    accepted = accept(people.anna)

    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["id"], accepted.json()["accepted_post"]) == (question.pk, answer.pk)
    question.refresh_from_db()
    assert question.accepted_post_id == answer.pk
    # Who looks after the topic may change it.
    assert accept(people.fac, other.pk).json()["accepted_post"] == other.pk
    assert client.post(url).status_code == 401

    talk = services.start_thread(people.anna, people.category, title="Ciao", text="Ciao")
    reply = services.reply(people.bruno, talk, text="Ciao a te")
    refused = accept(people.anna, reply.pk)
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "not_a_question")
