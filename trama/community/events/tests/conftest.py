import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from trama.community import services as community
from trama.community.events import services
from trama.community.models import Moderator
from trama.conftest import make_user
from trama.procedures import services as procedures
from trama.programs.services import create_program

ROME = ZoneInfo("Europe/Rome")


def rome(*args, **kwargs):
    return datetime.datetime(*args, tzinfo=ROME, **kwargs)


def join(user):
    return community.join_community(
        user, consent=True, display_name=user.get_full_name() or user.email
    )


@pytest.fixture(autouse=True)
def _english_and_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def people(personas, time_machine):
    """Alice moderates the community; Tom, Pat and Eve are members; Oscar only has an
    account. The clock is set on 1 December 2026, 9:00 in Rome."""
    time_machine.move_to(rome(2026, 12, 1, 9, 0), tick=False)
    for user in (personas.alice, personas.tom, personas.pat, personas.eve):
        join(user)
    Moderator.objects.create(user=personas.alice, named_at=rome(2026, 1, 1))
    personas.extra = [make_user(f"p{i}@trama.test") for i in range(3)]
    return personas


def make_event(by, *, capacity=None, restricted=False, day=17, organizer=None, **extra):
    """A Turin-like meeting: an open morning seminar and, on request, a restricted workshop."""
    sessions = [
        {
            "title": "Seminario aperto",
            "starts_at": rome(2026, 12, day, 9, 30),
            "ends_at": rome(2026, 12, day, 13, 0),
            "capacity": capacity,
            "online_url": "https://meet.example.org/seminario",
        }
    ]
    if restricted:
        sessions.append(
            {
                "title": "Laboratorio della comunità",
                "starts_at": rome(2026, 12, day, 14, 30),
                "ends_at": rome(2026, 12, day, 17, 30),
                "access": "RESTRICTED",
                "online_url": "https://meet.example.org/laboratorio",
            }
        )
    return services.create_event(
        by=by,
        title="Comunità di pratiche sulla co-progettazione",
        description="Incontro a Torino.",
        place="Torino, Via Garibaldi 25",
        organizer=organizer,
        sessions=sessions,
        **extra,
    )


@pytest.fixture
def call(people):
    """A co-design call of the Comune di Lecco, a draft until a test publishes it."""
    program = create_program(
        by=people.alice, owner=people.comune, title="Welfare", start_year=2026, end_year=2028
    )
    procedure = procedures.create_call(
        by=people.alice,
        program=program,
        title="Co-progettazione servizi per l'abitare",
        description="Servizi di accompagnamento all'abitare.",
        deadline=rome(2026, 12, 30, 12, 0),
        min_score="60",
    )
    procedures.set_criteria(
        procedure, by=people.alice, criteria=[{"title": "Qualità", "max_points": "100"}]
    )
    return procedure
