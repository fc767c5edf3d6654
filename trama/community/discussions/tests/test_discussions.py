from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from trama.audit.models import AuditEvent
from trama.community.discussions import services
from trama.community.discussions.markup import render
from trama.community.discussions.models import Ban, Delivery, Post, Report, State, Thread
from trama.notifications.models import Notification

XSS = [
    "<script>alert(1)</script>",
    "[clic](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    '<iframe src="https://evil.example"></iframe>',
    "![img](https://evil.example/huge.png)",
    "[x](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("payload", XSS)
def test_it_sanitises_markdown(payload):
    html = render(f"Testo **forte** {payload}")
    assert "<strong>forte</strong>" in html
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in {"p", "strong", "a"}, html
        assert not any(name.startswith("on") for name in attrs), html
        assert attrs.get("href", "https:").startswith(("https:", "http:")), html


def test_it_keeps_safe_links_and_stores_source_and_html(people, django_capture_on_commit_callbacks):
    thread = services.start_thread(
        people.anna,
        people.category,
        title="Ore",
        text="Vedi [guida](https://example.org) <script>x</script>",
    )
    post = thread.posts.get()
    assert post.source.startswith("Vedi [guida]")
    assert (
        '<a href="https://example.org" rel="noopener noreferrer nofollow ugc">guida</a>'
        in post.html
    )
    assert "<script>" not in post.html


def test_a_mention_notifies_the_member(people, django_capture_on_commit_callbacks):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(people.bruno, thread, text="Che ne pensi @AnnaBianchi? `@BrunoNeri` no")
    mentions = Notification.objects.filter(kind="discussion_mention")
    assert [n.recipient for n in mentions] == [people.anna]
    assert "Bruno Neri" in mentions[0].title
    assert any(m.to == ["anna@trama.test"] for m in mail.outbox)


def test_subscribers_get_new_posts_at_once_or_in_one_digest(
    people, django_capture_on_commit_callbacks, time_machine
):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    services.subscribe(people.fac, category=people.category, delivery=Delivery.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(people.bruno, thread, text="Prima risposta")
        services.reply(people.bruno, thread, text="Seconda risposta")
    # Anna follows her own thread: each reply reaches her inbox and e-mail.
    assert Notification.objects.filter(recipient=people.anna, kind="discussion_reply").count() == 2
    assert not Notification.objects.filter(recipient=people.fac).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_digests() == 1
        assert services.send_digests() == 0  # a second run the same day sends nothing
    [digest] = mail.outbox
    assert digest.to == ["fac@trama.test"]
    # The opening post (before Anna's subscription, within the day) and the two replies.
    assert "3 nuovi messaggi" in digest.subject and digest.body.count("Bruno Neri") == 2
    # The next day's digest carries only what is new.
    time_machine.move_to(timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_digests() == 0
        services.reply(people.bruno, thread, text="Terza")
        assert services.send_digests() == 1
    assert [m.to for m in mail.outbox if "discussioni che segui" in m.subject] == [
        ["fac@trama.test"],
        ["fac@trama.test"],
    ]


def test_a_new_members_first_posts_are_held_until_approved(
    people, client_for, django_capture_on_commit_callbacks
):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    post = services.reply(people.newbie, thread, text="Sono nuovo")
    assert post.state == State.HELD
    bruno_page = client_for(people.bruno).get(thread.get_absolute_url())
    assert b"Sono nuovo" not in bruno_page.content
    assert b"Sono nuovo" in client_for(people.newbie).get(thread.get_absolute_url()).content
    # Facilitators of another topic don't see it, nor can they approve it.
    with pytest.raises(PermissionDenied):
        services.approve_post(post, by=people.far)
    queue = client_for(people.fac).get(reverse("discussions:queue"))
    assert b"Sono nuovo" in queue.content
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(post, by=people.fac)
    assert b"Sono nuovo" in client_for(people.bruno).get(thread.get_absolute_url()).content
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert AuditEvent.objects.filter(action="discussions.post_approved", actor=people.fac).exists()
    # A held opening post hides the whole thread from the others.
    held = services.start_thread(people.newbie, people.category, title="Nuovo filo", text="x")
    assert held.state == State.HELD
    assert client_for(people.bruno).get(held.get_absolute_url()).status_code == 404
    assert (
        b"Nuovo filo"
        not in client_for(people.bruno).get(people.category.get_absolute_url()).content
    )


def test_new_members_links_are_limited(people, client_for):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    text = "[a](https://a.example) e [b](https://b.example)"
    with pytest.raises(ValidationError) as refused:
        services.reply(people.newbie, thread, text=text)
    assert refused.value.error_dict["text"][0].code == "too_many_links"
    response = client_for(people.newbie).post(
        reverse("discussions:reply", args=[thread.pk]), {"text": text, "key": "k1"}
    )
    assert response.status_code == 400
    assert "al massimo 1 link" in response.content.decode()
    assert thread.posts.count() == 1  # nothing half-saved
    services.reply(people.bruno, thread, text=text)  # an established member may


def test_posting_is_rate_limited(people, settings, client_for):
    settings.DISCUSSION_POST_RATES = {"minute": 2, "hour": 100}
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    client = client_for(people.anna)
    url = reverse("discussions:reply", args=[thread.pk])
    assert client.post(url, {"text": "uno", "key": "a"}).status_code == 302
    response = client.post(url, {"text": "due", "key": "b"})
    assert response.status_code == 429
    assert "troppo in fretta" in response.content.decode()
    assert thread.posts.count() == 2


def test_a_double_click_posts_once(people, client_for):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    client = client_for(people.bruno)
    url = reverse("discussions:reply", args=[thread.pk])
    for _ in range(2):
        assert client.post(url, {"text": "Una volta", "key": "same"}).status_code == 302
    assert thread.posts.filter(source="Una volta").count() == 1


def test_bad_input_is_refused_clearly(people, client_for):
    client = client_for(people.anna)
    url = reverse("discussions:new_thread", args=[people.category.slug])
    response = client.post(url, {"title": "", "text": "", "key": "x"})
    assert response.status_code == 400
    assert Thread.objects.count() == 1  # only the archive
    assert client_for(people.outsider).post(url, {"title": "t", "text": "x"}).status_code == 200
    assert Thread.objects.count() == 1


def test_an_accepted_answer_by_the_author_or_a_facilitator(people, client_for):
    thread = services.start_thread(
        people.anna, people.category, title="Come?", text="Domanda", is_question=True
    )
    answer = services.reply(people.bruno, thread, text="Così")
    with pytest.raises(PermissionDenied):
        services.accept_answer(thread, answer, by=people.bruno)
    with pytest.raises(PermissionDenied):
        services.accept_answer(thread, answer, by=people.far)
    response = client_for(people.anna).post(reverse("discussions:accept", args=[answer.pk]))
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.accepted_post == answer
    assert (
        "Risposta accettata"
        in client_for(people.bruno).get(thread.get_absolute_url()).content.decode()
    )


def test_quoting_prefills_the_reply(people, client_for):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Riga uno")
    opening = thread.posts.get()
    page = client_for(people.bruno).get(thread.get_absolute_url() + f"?quote={opening.pk}")
    assert "&gt; Riga uno" in page.content.decode()
    post = services.reply(people.bruno, thread, text="> Riga uno\n\nD'accordo", quoted=opening)
    assert post.quoted == opening and "<blockquote>" in post.html


ACTS = [
    ("pin", lambda t, c, by: services.pin_thread(t, by=by), "discussions.thread_pinned"),
    ("lock", lambda t, c, by: services.lock_thread(t, by=by), "discussions.thread_locked"),
    ("title", lambda t, c, by: services.retitle_thread(t, by=by, title="Nuovo"), "discussions.thread_retitled"),
    ("move", lambda t, c, by: services.move_thread(t, by=by, category=c), "discussions.thread_moved"),
    ("hide", lambda t, c, by: services.hide_post(t.posts.first(), by=by, reason="Spam"), "discussions.post_hidden"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "act", "action"), ACTS, ids=[a[0] for a in ACTS])
def test_each_moderator_act_is_checked_and_audited(people, name, act, action):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    for refused in (people.far, people.bruno, people.outsider):
        with pytest.raises(PermissionDenied):
            act(thread, people.other, refused)
    assert not AuditEvent.objects.filter(action=action).exists()
    # The topic's facilitator may, except moving into a topic they don't look after.
    if name == "move":
        with pytest.raises(PermissionDenied):
            act(thread, people.other, people.fac)
        act(thread, people.other, people.mod)
        by = people.mod
    else:
        act(thread, people.other, people.fac)
        by = people.fac
    event = AuditEvent.objects.get(action=action)
    assert event.actor == by


def test_a_ban_stops_posting_and_only_moderators_ban(people, client_for):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    bruno = people.member(people.bruno)
    with pytest.raises(PermissionDenied):
        services.ban_member(bruno, by=people.fac, reason="Spam")
    response = client_for(people.fac).post(
        reverse("discussions:ban", args=[bruno.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    response = client_for(people.mod).post(
        reverse("discussions:ban", args=[bruno.pk]), {"reason": "Messaggi offensivi"}
    )
    assert response.status_code == 302 and Ban.objects.filter(member=bruno).exists()
    assert AuditEvent.objects.get(action="discussions.member_banned").data == {
        "reason": "Messaggi offensivi"
    }
    with pytest.raises(PermissionDenied):
        services.reply(people.bruno, thread, text="Ancora io")
    response = client_for(people.bruno).post(
        reverse("discussions:reply", args=[thread.pk]), {"text": "Ancora io", "key": "z"}
    )
    assert response.status_code == 403
    assert not Post.objects.filter(source="Ancora io").exists()


def test_a_report_reaches_the_queue_and_is_archived(people, client_for):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    post = thread.posts.get()
    url = reverse("discussions:report", args=[post.pk])
    # The post's button says "Segnala" (report to the moderators), not the accounting "Rendiconto".
    page = client_for(people.bruno).get(thread.get_absolute_url()).content.decode()
    assert f'href="{url}">Segnala</a>' in page and "Rendiconto" not in page
    assert client_for(people.bruno).post(url, {"reason": ""}).status_code == 400
    for _ in range(2):
        assert client_for(people.bruno).post(url, {"reason": "Fuori tema"}).status_code == 302
    [report] = Report.objects.all()
    assert b"Fuori tema" in client_for(people.mod).get(reverse("discussions:queue")).content
    assert client_for(people.bruno).get(reverse("discussions:queue")).status_code == 403
    client_for(people.fac).post(reverse("discussions:dismiss", args=[report.pk]))
    report.refresh_from_db()
    assert report.resolved_by == people.fac
    assert AuditEvent.objects.filter(action="discussions.report_dismissed").exists()


def test_a_hidden_post_shows_its_reason(people, client_for):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    post = services.reply(people.bruno, thread, text="Testo offensivo")
    services.hide_post(post, by=people.fac, reason="Linguaggio offensivo")
    page = client_for(people.anna).get(thread.get_absolute_url()).content.decode()
    assert "Linguaggio offensivo" in page and "Testo offensivo" not in page


def test_discussions_are_for_members(people, client_for):
    thread = services.start_thread(people.anna, people.category, title="Ore", text="Ciao")
    assert client_for(None).get(reverse("discussions:categories")).status_code == 200
    page = client_for(people.outsider).get(people.category.get_absolute_url()).content.decode()
    assert thread.get_absolute_url() not in page and "Aderisci alla comunità" in page
    assert client_for(people.outsider).get(thread.get_absolute_url()).status_code == 404
    assert client_for(None).get(thread.get_absolute_url()).status_code == 302


def test_threads_can_be_attached_to_any_object(people):
    thread = services.start_thread(
        people.anna, people.category, title="Su questo tema", text="x", attach_to=people.topic
    )
    assert list(Thread.objects.attached_to(people.topic)) == [thread]


def test_pages_read_a_bounded_number_of_queries(people, client_for, django_assert_max_num_queries):
    thread = services.start_thread(people.anna, people.category, title="Lungo", text="Ciao")
    now = timezone.now()
    Post.objects.bulk_create(
        Post(thread=thread, author=people.member(people.bruno if i % 2 else people.anna),
             source=f"r{i}", html=f"<p>r{i}</p>", state=State.PUBLISHED, created_at=now,
             published_at=now)
        for i in range(1000)
    )  # fmt: skip
    for i in range(25):
        services.start_thread(people.bruno, people.category, title=f"Filo {i}", text="x")
    client = client_for(people.mod)
    with django_assert_max_num_queries(16):
        page = client.get(thread.get_absolute_url() + "?page=2")
    assert page.status_code == 200 and page.content.count(b'data-testid="post"') == 20
    # The opening post and 1,000 replies, 20 a page: the last page holds the last reply.
    assert "Pagina 2 di 51" in page.content.decode()
    with django_assert_max_num_queries(16):
        last = client.get(thread.get_absolute_url() + "?page=51")
    assert last.content.count(b'data-testid="post"') == 1 and "r999" in last.content.decode()
    with django_assert_max_num_queries(14):
        page = client.get(people.category.get_absolute_url())
    assert page.content.count(b'data-testid="thread"') == 20
    with django_assert_max_num_queries(10):
        client.get(reverse("discussions:categories"))
