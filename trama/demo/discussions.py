"""The community's discussions in the demo: a category per topic and two threads, one a
question with an accepted answer; loaded once, running it again changes nothing."""

from django.contrib.auth import get_user_model

from trama.community.discussions import services
from trama.community.discussions.models import Category, Thread
from trama.community.models import Topic

VOLUNTEERING = (
    "Nel nostro piano economico le ore dei volontari compaiono solo come nota. Il Comune ci "
    "chiede di valorizzarle come **risorse aggiuntive**: con quale costo orario, e con quali "
    "prove?"
)
ANSWER_MARCO = (
    "Noi usiamo il costo di sostituzione: la tariffa oraria del profilo equivalente del "
    "contratto delle cooperative sociali, con un registro firmato delle presenze."
)
ANSWER_GIULIA = (
    "Confermo quanto dice Marco. Aggiungo che nel registro delle risorse di Trama l'apporto "
    "va indicato come `OWN_RESOURCES`, categoria professionale, con quantità, unità e tariffa "
    "di riferimento: così la leva si calcola da sola. @ChiaraBrambilla, vi mando il nostro "
    "modello di registro."
)
DISGUISED = (
    "Abbiamo ricevuto un avviso di co-progettazione che fissa già ogni attività, il prezzo "
    "orario e le penali, e assegna punti al ribasso. È ancora co-progettazione?\n\n"
    "Quali segnali vi fanno capire che si tratta di un **appalto mascherato**?"
)
REPLY_DISGUISED = (
    "> assegna punti al ribasso\n\n"
    "Questo è il segnale più chiaro: nella co-progettazione non si compete sul prezzo, ma "
    "sulla qualità della proposta e sulle risorse che i partner mettono in comune (art. 55 "
    "del Codice del Terzo settore, DM 72/2021)."
)


def load_discussions(staff) -> None:
    for topic in Topic.objects.all():
        Category.objects.get_or_create(
            topic=topic,
            defaults={"name": topic.name, "slug": topic.slug, "description": topic.description},
        )
    if Thread.objects.exists():
        return
    users = get_user_model().objects
    giulia = users.get(email="rup@demo.trama.it")  # moderator
    marco = users.get(email="valutatore@demo.trama.it")  # a new member: held for review
    chiara = users.get(email="ets@demo.trama.it")  # facilitator of volunteering

    volunteering = Category.objects.get(topic__name="Valorizzare il volontariato")
    question = services.start_thread(
        chiara,
        volunteering,
        title="Come valorizzare le ore di volontariato nel budget?",
        text=VOLUNTEERING,
        is_question=True,
    )
    held = services.reply(marco, question, text=ANSWER_MARCO)
    services.approve_post(held, by=giulia)
    answer = services.reply(giulia, question, text=ANSWER_GIULIA)
    services.accept_answer(question, answer, by=chiara)
    services.pin_thread(question, by=chiara)

    calls = Category.objects.get(topic__name="Scrivere un avviso di co-progettazione")
    disguised = services.start_thread(
        giulia,
        calls,
        title="Avviso di co-progettazione o appalto mascherato?",
        text=DISGUISED,
        is_question=True,
    )
    opening = disguised.posts.get()
    held = services.reply(marco, disguised, text=REPLY_DISGUISED, quoted=opening)
    services.approve_post(held, by=giulia)
