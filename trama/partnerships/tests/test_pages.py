"""Partnership pages: recording, describing, coordinators, and an entity's shares."""

import datetime
import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from trama.conftest import make_org
from trama.organizations.models import ShareAct
from trama.organizations.shares import record_act, table_on
from trama.partnerships import services
from trama.partnerships.models import Coordinator, Partnership
from trama.procedures.services import record_historical_procedure
from trama.programs.services import create_program

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def program(personas):
    program = create_program(
        by=personas.alice,
        owner=personas.comune,
        title="Welfare comunitario",
        start_year=2016,
        end_year=2020,
    )
    record_historical_procedure(
        by=personas.alice,
        program=program,
        title="Primo avviso",
        kind="CO_DESIGN",
        opened_on=datetime.date(2016, 3, 1),
        participants=[personas.consortium, personas.coop],
    )
    return program


@pytest.fixture
def entity(personas):
    return make_org(
        "Impresa sociale del Lario",
        by=personas.tom,
        tax_code="03781250133",
        legal_form="SOCIAL_ENTERPRISE",
    )


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_public_body_records_its_partnership_from_history(client_for, client, personas, program):
    alice = client_for(personas.alice)
    url = reverse("partnerships:new")
    # A date in the future: the form says so, and nothing is recorded.
    refused = alice.post(
        url, {"kind": "CONTRACTUAL", "program": program.pk, "formed_on": "2999-01-01"}
    )
    assert refused.status_code == 400
    assert "futuro" in _text(refused) or "future" in _text(refused)
    assert not Partnership.objects.exists()
    done = alice.post(
        url, {"kind": "CONTRACTUAL", "program": program.pk, "formed_on": "2016-09-01"}
    )
    partnership = Partnership.objects.get()
    assert done.status_code == 302 and done["Location"] == partnership.get_absolute_url()
    # Anyone reads it: the network since its first call, the bodies and since when.
    page = client_for(None).get(partnership.get_absolute_url())
    assert page.status_code == 200
    text = _text(page)
    assert "Consorzio Lario" in text and "Cooperativa Arcobaleno" in text
    assert page.context["members"][0].since == datetime.date(2016, 3, 1)
    # The program already has one: a second is refused on the form.
    alice = client_for(personas.alice)
    again = alice.post(
        url, {"kind": "CONTRACTUAL", "program": program.pk, "formed_on": "2016-09-01"}
    )
    assert again.status_code == 400 and Partnership.objects.count() == 1
    # Nobody else describes it.
    edit = reverse("partnerships:edit", args=[partnership.slug])
    assert client_for(personas.tom).post(edit, {"name": "Mio"}).status_code == 403
    alice = client_for(personas.alice)
    assert alice.post(edit, {"name": "", "description": "x"}).status_code == 400
    alice.post(edit, {"name": "Alleanza di Lecco", "description": "Dal 2006."})
    partnership.refresh_from_db()
    assert partnership.name == "Alleanza di Lecco"
    # Coordinators: named by the owning body, shown to everyone.
    add = reverse("partnerships:coordinator_add", args=[partnership.slug])
    assert alice.post(add, {"name": "", "organization": personas.comune.pk}).status_code == 400
    alice.post(add, {"name": "Giulia Ferrari", "role": "RUP", "organization": personas.comune.pk})
    assert "Giulia Ferrari" in _text(client.get(partnership.get_absolute_url()))
    coordinator = Coordinator.objects.get()
    alice.post(reverse("partnerships:coordinator_remove", args=[partnership.slug, coordinator.pk]))
    assert not Coordinator.objects.exists()
    # An outsider can't record a partnership at all.
    assert client_for(personas.oscar).get(url).status_code == 403


def test_an_entity_records_its_shares_the_italian_way(client_for, client, personas, entity):
    url = reverse("partnerships:shares", args=[entity.slug])
    assert client_for(personas.oscar).get(url).status_code == 403
    tom = client_for(personas.tom)

    def post(kind, date, *rows):
        data = {
            "kind": kind,
            "date": date,
            "holdings-TOTAL_FORMS": str(len(rows)),
            "holdings-INITIAL_FORMS": "0",
        }
        for n, (member, share) in enumerate(rows):
            data[f"holdings-{n}-member"] = member
            data[f"holdings-{n}-share"] = share
        return tom.post(url, data)

    assert tom.get(url).status_code == 200
    # 49 + 41 = 90 %: refused with the sum, the form kept as typed, nothing saved.
    refused = post("CONSTITUTION", "2018-12-14", ("00623530136", "49,00"), ("05260180137", "41,00"))
    assert refused.status_code == 400
    assert "90,00" in _text(refused) and 'value="41,00"' in refused.content.decode()
    assert not ShareAct.objects.exists()
    # A member not on Trama is named, with the way forward.
    unknown = post("CONSTITUTION", "2018-12-14", ("00623530136", "49,00"), ("12345678903", "51,00"))
    assert unknown.status_code == 400 and "12345678903" in _text(unknown)
    done = post(
        "CONSTITUTION",
        "2018-12-14",
        ("00623530136", "49,00"),
        ("05260180137", "25,50"),
        ("01590830137", "25,50"),
    )
    assert done.status_code == 302
    table = table_on(entity, datetime.date(2019, 1, 1))
    assert (table.public_share, table.private_share) == (D("49.00"), D("51.00"))
    # Recorded as an institutional partnership, its page shows the shares at any date.
    partnership = services.record_institutional(
        by=personas.alice, owner=personas.comune, entity=entity
    )
    assert partnership.formed_on == datetime.date(2018, 12, 14)
    page = client.get(partnership.get_absolute_url())
    assert "51,00" in _text(page) and "49,00" in _text(page)
    before = client.get(partnership.get_absolute_url(), {"on": "2018-12-01"})
    assert before.context["table"].act is None
    # Annulling the act needs a reason; with one, the table is gone from that date.
    act = ShareAct.objects.get()
    annul = reverse("partnerships:share_annul", args=[entity.slug, act.pk])
    assert tom.post(annul, {"reason": ""}).status_code == 400
    tom.post(annul, {"reason": "Quote sbagliate"})
    assert table_on(entity, datetime.date(2019, 1, 1)).act is None


def test_an_institution_grows_from_one_contractual_partnership_only(personas, program, entity):
    p = personas
    record_act(
        by=p.tom,
        entity=entity,
        kind="CONSTITUTION",
        date=datetime.date(2018, 12, 14),
        holdings=[(p.comune, D("49")), (p.consortium, D("51"))],
    )
    contractual = services.record_contractual(
        by=p.alice, program=program, formed_on=datetime.date(2016, 9, 1)
    )
    institution = services.record_institutional(
        by=p.alice, owner=p.comune, entity=entity, grew_from=contractual
    )
    assert contractual.became == institution
    other = make_org(
        "Fondazione di partecipazione", by=p.tom, tax_code="02945340137", legal_form="FOUNDATION"
    )
    with pytest.raises(ValidationError) as refused:
        services.record_institutional(
            by=p.alice,
            owner=p.comune,
            entity=other,
            grew_from=contractual,
            formed_on=datetime.date(2019, 1, 1),
        )
    assert refused.value.error_dict["grew_from"][0].code == "grew_from_claimed"
    with pytest.raises(ValidationError) as refused:
        services.record_institutional(
            by=p.alice, owner=p.comune, entity=entity, formed_on=datetime.date(2019, 1, 1)
        )
    assert refused.value.error_dict["entity"][0].code == "entity_recorded"
    with pytest.raises(ValidationError) as refused:
        services.record_institutional(
            by=p.alice, owner=p.comune, entity=p.comune, formed_on=datetime.date(2019, 1, 1)
        )
    assert refused.value.error_dict["entity"][0].code == "entity_is_public"
    assert Partnership.objects.count() == 2


def test_the_admin_shows_partnerships_and_share_acts_and_changes_nothing(
    client_for, personas, program, entity
):
    personas.sam.is_superuser = True
    personas.sam.save(update_fields=["is_superuser"])
    staff = client_for(personas.sam)
    act = record_act(
        by=personas.tom,
        entity=entity,
        kind="CONSTITUTION",
        date=datetime.date(2018, 12, 14),
        holdings=[(personas.comune, D("49")), (personas.consortium, D("51"))],
    )
    partnership = services.record_contractual(
        by=personas.alice, program=program, formed_on=datetime.date(2016, 9, 1)
    )
    for name, obj in (("partnership", partnership), ("shareact", act)):
        app = "partnerships" if name == "partnership" else "organizations"
        changelist = reverse(f"admin:{app}_{name}_changelist")
        assert staff.get(changelist, {"q": "Lario"}).status_code == 200
        change = staff.get(reverse(f"admin:{app}_{name}_change", args=[obj.pk]))
        assert change.status_code == 200
        assert 'name="_save"' not in change.content.decode()  # shown, never edited here
        assert staff.get(reverse(f"admin:{app}_{name}_add")).status_code == 403
