"""Community events in the demo: the Welforum seminar in Milan (May 2018) with its materials,
the Turin meeting of Monday 17 December 2018 (an open morning seminar, an afternoon workshop
restricted to the community) and one future event; loaded once, again changes nothing."""

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from trama.community.events import services
from trama.community.events.models import Event, Material
from trama.organizations.models import Organization

ROME = ZoneInfo("Europe/Rome")
MILAN = "Welforum: la co-progettazione tra enti pubblici e Terzo settore"
TURIN = "Comunità di pratiche sulla co-progettazione — incontro di Torino"
FUTURE = "Valorizzare il volontariato nei registri delle risorse"


def _at(*args):
    return datetime.datetime(*args, tzinfo=ROME)


def _pdf(text: str) -> ContentFile:
    return ContentFile(f"%PDF-1.4\n% {text}\n%%EOF\n".encode(), name="materiale.pdf")


def load_events() -> None:
    users = get_user_model().objects
    rup = users.get(email="rup@demo.trama.it")  # a moderator of the community
    ets = users.get(email="ets@demo.trama.it")
    comune = Organization.objects.get(name="Comune di Lecco")
    consortium = Organization.objects.get(name="Consorzio Lario Cooperative Sociali")
    if not Event.objects.filter(title=MILAN).exists():
        milan = services.create_event(
            by=rup,
            title=MILAN,
            description="Il seminario da cui è nata la comunità di pratiche: l'esperienza di "
            "Lecco raccontata a enti pubblici e del Terzo settore.",
            place="Milano",
            organizer=comune,
            sessions=[
                {
                    "title": "Seminario Welforum",
                    "starts_at": _at(2018, 5, 24, 9, 30),
                    "ends_at": _at(2018, 5, 24, 13, 0),
                }
            ],
        )
        session = milan.sessions.get()
        services.add_material(
            session,
            by=rup,
            title="Slide: dieci anni di co-progettazione a Lecco",
            upload=_pdf("slide"),
        )
        services.add_material(
            session,
            by=rup,
            title="Verbale del seminario",
            upload=_pdf("verbale"),
            kind=Material.Kind.MINUTES,
        )
    if not Event.objects.filter(title=TURIN).exists():
        turin = services.create_event(
            by=rup,
            title=TURIN,
            description="Lecco porta la sua esperienza a Torino e propone una comunità di "
            "pratiche: una mattina aperta e un pomeriggio riservato alla comunità.",
            place="Torino",
            organizer=comune,
            sessions=[
                {
                    "title": "Seminario aperto",
                    "starts_at": _at(2018, 12, 17, 9, 30),
                    "ends_at": _at(2018, 12, 17, 13, 0),
                },
                {
                    "title": "Laboratorio della comunità di pratiche",
                    "starts_at": _at(2018, 12, 17, 14, 30),
                    "ends_at": _at(2018, 12, 17, 17, 30),
                    "access": "RESTRICTED",
                },
            ],
        )
        workshop = turin.sessions.get(access="RESTRICTED")
        services.invite(workshop, by=rup, organization=consortium)
        services.add_material(
            workshop,
            by=rup,
            title="Verbale del laboratorio",
            upload=_pdf("laboratorio"),
            kind=Material.Kind.MINUTES,
        )
    if not Event.objects.filter(title=FUTURE).exists():
        day = timezone.localdate() + datetime.timedelta(days=60)
        start = datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=ROME)
        future = services.create_event(
            by=rup,
            title=FUTURE,
            description="Come contare le ore dei volontari e registrarle come apporti.",
            online=True,
            organizer=comune,
            sessions=[
                {
                    "title": "Webinar",
                    "starts_at": start,
                    "ends_at": start + datetime.timedelta(hours=2),
                    "capacity": 50,
                    "online_url": "https://meet.example.org/volontariato",
                }
            ],
        )
        services.register(future.sessions.get(), by=ets)
