import pytest

from trama.community.discussions.models import State
from trama.community.whatsnew.news import LIMIT, whats_new

from .conftest import ago, practice, thread, titles

pytestmark = pytest.mark.django_db


def test_each_member_sees_what_is_new_in_what_they_follow_and_may_read(world):
    alice = whats_new(world.alice, ago(7))
    assert titles(alice, "practice") == {"Pratica lombarda", "Pratica nazionale"}
    assert titles(alice, "document") == {"Studio del Comune di Lecco", "Modello senza ente"}
    assert titles(alice, "event") == {"Seminario a Lecco"}
    assert titles(alice, "material") == {"Slide della mattina"}
    assert titles(alice, "thread") == {"Ore dei volontari"}
    assert [t.slug for t in alice.topics] == ["volontariato"] and alice.region == world.lombardia

    # Tom chose no topic nor region: everything he may read (a person's account works as
    # well as a Member).
    tom = whats_new(world.p.tom, ago(7))
    assert titles(tom, "practice") == {
        "Pratica lombarda",
        "Pratica piemontese",
        "Pratica nazionale",
    }
    assert len(titles(tom, "document")) == 3
    # One of the consortium's people: invited to the restricted session.
    assert titles(tom, "material") == {"Slide della mattina", "Verbale riservato"}
    assert titles(tom, "thread") == {"Ore dei volontari", "Avviso o appalto?"}

    never = {
        "Bozza lombarda",  # a draft
        "Seminario annullato",
        "Verbale riservato",  # a restricted session pat is not invited to
        "Discussione trattenuta",  # held for review, even to its author
        "Discussione nascosta",
    }
    for who in (world.pat, world.alice):
        assert not titles(whats_new(who, ago(7))) & never
    # Who has not joined the community gets no discussion: they are members-only.
    outsider = whats_new(world.p.oscar, ago(7))
    assert titles(outsider, "thread") == set()
    assert titles(outsider, "material") == {"Slide della mattina"}

    # The period counts.
    assert whats_new(world.alice, ago(1)).is_empty
    assert "Pratica di due mesi fa" in titles(whats_new(world.alice, ago(90)))
    assert "Pratica di due mesi fa" not in titles(whats_new(world.alice, ago(30)))


def test_it_reads_a_fixed_number_of_queries_and_caps_each_section(
    world, django_assert_max_num_queries
):
    for i in range(LIMIT + 5):
        practice(f"Pratica {i}", world.tom, region=world.lombardia)
        thread(world.vol, f"Discussione {i}", world.tom)
        thread(world.vol, f"Trattenuta {i}", world.pat, state=State.HELD)
    with django_assert_max_num_queries(16):
        news = whats_new(world.alice, ago(7))
    sections = {s.kind: s for s in news.sections}
    assert len(sections["practice"].items) == LIMIT and sections["practice"].more
    assert len(sections["thread"].items) == LIMIT and sections["thread"].more
    assert not any(t.startswith("Trattenuta") for t in titles(news))
    assert sections["document"].more is False
