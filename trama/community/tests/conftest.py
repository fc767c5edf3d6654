import pytest

from trama.community import services
from trama.community.models import Topic
from trama.territories.models import Region


def join(user, *, name=None, visibility="MEMBERS", **profile):
    """`user` joins the community with a minimal profile (and consent)."""
    return services.join_community(
        user,
        consent=True,
        display_name=name or user.get_full_name() or user.email,
        visibility=visibility,
        **profile,
    )


@pytest.fixture
def topics(db):
    return {
        slug: Topic.objects.create(name=name, slug=slug)
        for slug, name in [
            ("volontariato", "Valorizzare il volontariato"),
            ("avvisi", "Scrivere un avviso di co-progettazione"),
        ]
    }


@pytest.fixture
def lombardia(db):
    return Region.objects.get(name="Lombardia")
