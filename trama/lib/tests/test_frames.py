"""`{% frame %}`: markup kept rendered in the process, under what it shows."""

from django.template import engines
from django.utils import translation

from trama.lib import templatetags


def _render(source, **context):
    return engines["django"].from_string(source).render(context)


def test_it_renders_once_per_language_and_values():
    calls = []
    source = '{% frame "test-frame" who %}{{ count }}{% endframe %}'

    def count():
        calls.append(1)
        return len(calls)

    templatetags._frames.clear()
    with translation.override("it"):
        assert _render(source, who="tom", count=count) == "1"
        assert _render(source, who="tom", count=count) == "1"  # kept
        assert _render(source, who="pat", count=count) == "2"  # another value, rendered
    with translation.override("en"):
        assert _render(source, who="tom", count=count) == "3"  # another language
    assert len(calls) == 3


def test_it_keeps_a_bounded_number_of_frames(monkeypatch):
    monkeypatch.setattr(templatetags, "FRAMES", 3)
    templatetags._frames.clear()
    for n in range(5):
        assert _render('{% frame "bounded" n %}{{ n }}{% endframe %}', n=n) == str(n)
    assert len(templatetags._frames) == 3


def test_the_page_frame_follows_the_person_and_the_section(personas, client_for):
    client = client_for(personas.tom)
    page = client.get("/enti/").content.decode()
    assert 'class="nav-link active" href="/enti/"' in page
    assert personas.tom.display_name in page
    personas.tom.first_name = "Tommaso"
    personas.tom.save()
    page = client.get("/avvisi/").content.decode()
    assert 'class="nav-link active" href="/avvisi/"' in page
    assert 'class="nav-link active" href="/enti/"' not in page
    assert "Tommaso" in page
