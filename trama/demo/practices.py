"""Practice sheets and the library in the demo: the Lecco practice (the first sheet, its
figures read live from the demo's Lecco program) and two library documents, loaded once;
running it again changes nothing."""

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from trama.community.practices import services
from trama.community.practices.models import Document, Practice
from trama.organizations.models import Organization
from trama.programs.models import Program
from trama.territories.models import Municipality

LECCO_PROGRAM = "welfare-comunitario-ambito-di-lecco"

CALL_TEMPLATE_TEXT = """Avviso pubblico per l'individuazione di enti del Terzo settore disponibili \
alla co-progettazione di interventi di welfare comunitario (art. 55 del d.lgs. 117/2017).

1. Oggetto: la co-progettazione e la successiva co-realizzazione di interventi e servizi \
di welfare comunitario nell'Ambito, con risorse pubbliche e apporti del Terzo settore.
2. Soggetti ammessi: enti del Terzo settore iscritti al RUNTS, singoli o in partenariato.
3. Apporti dei partner: risorse economiche, progettuali, organizzative e professionali, \
valorizzate e rendicontate.
4. Fasi: istruttoria delle proposte, tavolo di co-progettazione, convenzione.
"""


def _pdf(title: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% {title}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
    return SimpleUploadedFile(f"{title.lower().replace(' ', '-')}.pdf", body)


def load_practices() -> None:
    users = get_user_model().objects
    rup = users.get(email="rup@demo.trama.it")
    ets = users.get(email="ets@demo.trama.it")
    comune = Organization.objects.get(name="Comune di Lecco")
    consortium = Organization.objects.get(name="Consorzio Lario Cooperative Sociali")
    template = Document.objects.filter(title="Modello di avviso di co-progettazione").first()
    if template is None:
        template = services.create_document(
            by=rup,
            kind=Document.Kind.CALL_TEMPLATE,
            title="Modello di avviso di co-progettazione",
            description="L'avviso del terzo bando di Lecco, riscritto come modello riusabile.",
            tags=["avvisi", "co-progettazione"],
            text=CALL_TEMPLATE_TEXT,
            body=comune,
            upload=_pdf("Modello avviso"),
        )
    study = Document.objects.filter(title="Dieci anni di co-progettazione a Lecco").first()
    if study is None:
        study = services.create_document(
            by=ets,
            kind=Document.Kind.STUDY,
            title="Dieci anni di co-progettazione a Lecco",
            description="Risorse, partenariati e lezioni apprese dal 2006 al 2016.",
            tags=["valutazione", "volontariato"],
            licence=Document.Licence.CC_BY_SA_4,
            body=consortium,
            upload=_pdf("Dieci anni"),
        )
    if Practice.objects.filter(program__slug=LECCO_PROGRAM).exists():
        return
    services.create_practice(
        by=rup,
        publish=True,
        title="Welfare comunitario nell'Ambito di Lecco: tre avvisi di co-progettazione",
        summary=(
            "Dal 2006 il Comune di Lecco co-progetta con il Terzo settore: un'alleanza con il "
            "consorzio delle cooperative sociali, poi la rete aperta a tutte le associazioni, "
            "infine co-programmazione, co-progettazione e co-produzione con la comunità."
        ),
        municipality=Municipality.objects.get(name="Lecco"),
        territory="Ambito distrettuale di Lecco",
        year_from=2006,
        area="SOCIAL_WELFARE",
        phases=["co_programming", "co_design", "co_production", "institutional_partnership"],
        actors=[comune, consortium, "Fondazione Cariplo"],
        program=Program.objects.get(slug=LECCO_PROGRAM),
        resources=(
            "Risorse economiche, progettuali, organizzative e professionali del Terzo settore "
            "accanto al bilancio pubblico; contributi di fondazioni per gli interventi "
            "co-progettati."
        ),
        worked=(
            "Un portafoglio di risorse condiviso e rendicontato; la regia pubblica; il passaggio "
            "a un partenariato istituzionale (un'impresa sociale con comuni ed ETS soci)."
        ),
        did_not_work=(
            "All'inizio le risorse del Terzo settore non erano valorizzate in modo uniforme: "
            "servono tariffe di riferimento condivise per le ore di volontariato."
        ),
        contacts="Ufficio di piano dell'Ambito di Lecco",
        documents=[template, study],
    )
