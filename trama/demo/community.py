"""The community of practice in the demo: its topics and a few members (the Lecco officers,
the consortium), loaded once; running it again changes nothing."""

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from trama.community import services
from trama.community.models import Member, Topic
from trama.organizations.models import Organization
from trama.territories.models import Region

TOPICS = [
    ("Valorizzare il volontariato", "Come contare e valorizzare le ore dei volontari."),
    ("Scrivere un avviso di co-progettazione", "Avvisi che non siano gare travestite."),
    ("Partenariati istituzionali", "Dal partenariato contrattuale all'impresa sociale."),
    ("Co-programmazione", "Leggere insieme bisogni e risorse di un territorio."),
    ("Rendicontazione e registro delle risorse", "Impegni, apporti effettivi e leva."),
]

# (e-mail, display name, role, organisation, topics, visibility, bio)
MEMBERS = [
    (
        "rup@demo.trama.it",
        "Giulia Ferrari",
        "Responsabile del procedimento",
        "Comune di Lecco",
        ["Scrivere un avviso di co-progettazione", "Partenariati istituzionali"],
        Member.Visibility.PUBLIC,
        "Seguo le co-progettazioni del Comune di Lecco dal 2006.",
    ),
    (
        "valutatore@demo.trama.it",
        "Marco Colombo",
        "Ufficio di piano",
        "Ambito distrettuale di Lecco",
        ["Co-programmazione", "Rendicontazione e registro delle risorse"],
        Member.Visibility.MEMBERS,
        "",
    ),
    (
        "ets@demo.trama.it",
        "Chiara Brambilla",
        "Coordinatrice",
        "Consorzio Lario Cooperative Sociali",
        ["Valorizzare il volontariato", "Partenariati istituzionali"],
        Member.Visibility.PUBLIC,
        "Coordino la rete delle cooperative del consorzio.",
    ),
]


def load_community(staff) -> None:
    for name, description in TOPICS:
        if not Topic.objects.filter(name=name).exists():
            services.save_topic(
                Topic(name=name, slug=slugify(name)[:80], description=description), by=staff
            )
    users = get_user_model().objects
    lombardia = Region.objects.get(name="Lombardia")
    for email, name, role, org_name, topics, visibility, bio in MEMBERS:
        user = users.get(email=email)
        if Member.objects.filter(user=user).exists():
            continue
        services.join_community(
            user,
            consent=True,
            display_name=name,
            organizations=[Organization.objects.get(name=org_name)],
            role=role,
            region=lombardia,
            topics=list(Topic.objects.filter(name__in=topics)),
            bio=bio,
            visibility=visibility,
            # The consortium's coordinator gets what's new every Monday (trama.community.whatsnew).
            weekly_digest=email == "ets@demo.trama.it",
        )
    rup = users.get(email="rup@demo.trama.it")
    services.name_moderator(rup, by=staff)
    services.name_facilitator(
        users.get(email="ets@demo.trama.it"),
        Topic.objects.get(name="Valorizzare il volontariato"),
        by=staff,
    )
