"""An entity's members and shares at any date, and the split of its own resources."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from trama.conftest import make_org
from trama.ledger import services as ledger
from trama.ledger.figures import Scope, compute_figures
from trama.ledger.models import LedgerEntry, Level
from trama.ledger.rebuild import check_rollups
from trama.ledger.tests.factories import lecco_program
from trama.organizations.models import Organization, ShareAct
from trama.organizations.shares import annul_act, public_share_on, record_act, table_on

pytestmark = pytest.mark.django_db
D = Decimal
day = datetime.date


def _code(exc) -> str:
    return next(e.code for errors in exc.value.error_dict.values() for e in errors)


@pytest.fixture
def entity(personas):
    """A social enterprise whose administrator is tom."""
    return make_org(
        "Impresa sociale del Lario",
        by=personas.tom,
        tax_code="03781250133",
        legal_form="SOCIAL_ENTERPRISE",
    )


@pytest.fixture
def history(personas, entity):
    """Constituted on 1 June 2017 (Comune 40 %, consortium 35 %, coop 25 %); a transfer on
    15 March 2018 (30 / 45 / 25); the coop leaves on 1 July 2019 (Comune 25, consortium 75)."""
    p = personas
    acts = [
        record_act(
            by=p.tom,
            entity=entity,
            kind="CONSTITUTION",
            date=day(2017, 6, 1),
            holdings=[(p.comune, D("40")), (p.consortium, D("35")), (p.coop, D("25"))],
        ),
        record_act(
            by=p.tom,
            entity=entity,
            kind="TRANSFER",
            date=day(2018, 3, 15),
            holdings=[(p.comune, D("30")), (p.consortium, D("45")), (p.coop, D("25"))],
        ),
        record_act(
            by=p.tom,
            entity=entity,
            kind="EXIT",
            date=day(2019, 7, 1),
            holdings=[(p.comune, D("25")), (p.consortium, D("75"))],
        ),
    ]
    return acts


def test_the_share_table_at_any_date(personas, entity, history):
    def shares(on):
        table = table_on(entity, on)
        return {h.member.name: h.share for h in table.holdings}, table.public_share

    assert shares(day(2017, 5, 31)) == ({}, D("0"))
    assert table_on(entity, day(2017, 5, 31)).act is None
    assert shares(day(2017, 6, 1)) == (
        {"Comune di Lecco": D("40"), "Consorzio Lario": D("35"), "Cooperativa Arcobaleno": D("25")},
        D("40"),
    )
    assert shares(day(2018, 3, 14))[1] == D("40")
    assert shares(day(2018, 3, 15))[1] == D("30")
    assert shares(day(2019, 7, 1)) == (
        {"Comune di Lecco": D("25"), "Consorzio Lario": D("75")},
        D("25"),
    )
    assert table_on(entity, day(2019, 7, 1)).private_share == D("75")
    # What the ledger reads: the public members' total on a day, None before the entity.
    assert public_share_on(entity.pk, day(2017, 1, 1)) is None
    assert public_share_on(entity.pk, day(2018, 1, 1)) == D("40")
    assert public_share_on(entity.pk, day(2019, 1, 1)) == D("30")


def test_a_wrong_act_is_annulled_never_edited(personas, entity, history):
    with pytest.raises(ValidationError) as refused:
        annul_act(by=personas.tom, act=history[1], reason="Errore")
    assert refused.value.code == "not_latest"
    with pytest.raises(ValidationError):
        annul_act(by=personas.tom, act=history[2], reason="  ")
    annulment = annul_act(by=personas.tom, act=history[2], reason="Recesso mai perfezionato")
    assert annulment.annuls == history[2]
    assert table_on(entity, day(2020, 1, 1)).public_share == D("30")
    # The annulled act stays on record, and the coop, which never left, still holds 25 %.
    assert ShareAct.objects.filter(entity=entity).count() == 4
    assert {h.member for h in table_on(entity, day(2020, 1, 1)).holdings} == {
        personas.comune,
        personas.consortium,
        personas.coop,
    }


@pytest.mark.parametrize(
    ("kind", "date", "holdings", "code"),
    [
        ("TRANSFER", day(2019, 8, 1), [("comune", "50"), ("consortium", "40")], "shares_not_100"),
        ("TRANSFER", day(2019, 8, 1), [("comune", "0"), ("consortium", "100")], "share_out_of_range"),
        ("TRANSFER", day(2019, 8, 1), [("comune", "33.333"), ("consortium", "66.667")], "invalid_share"),
        ("TRANSFER", day(2017, 5, 1), [("comune", "50"), ("consortium", "50")], "before_constitution"),
        ("TRANSFER", day(2019, 1, 1), [("comune", "50"), ("consortium", "50")], "before_last_act"),
        ("CONSTITUTION", day(2019, 8, 1), [("comune", "50"), ("consortium", "50")], "already_constituted"),
        # The coop left on 1 July 2019: it comes back only by an admission.
        ("TRANSFER", day(2019, 8, 1), [("comune", "25"), ("consortium", "50"), ("coop", "25")], "member_left"),
        ("EXIT", day(2019, 8, 1), [("comune", "25"), ("consortium", "75")], "exit_members"),
        ("ADMISSION", day(2019, 8, 1), [("comune", "30"), ("consortium", "70")], "admits_nobody"),
        ("TRANSFER", day(2019, 8, 1), [("comune", "50"), ("comune", "50")], "member_twice"),
        ("TRANSFER", day(2099, 1, 1), [("comune", "50"), ("consortium", "50")], "future"),
    ],
)  # fmt: skip
def test_a_wrong_act_is_refused_and_nothing_is_saved(
    personas, entity, history, kind, date, holdings, code
):
    rows = [(getattr(personas, name), D(share)) for name, share in holdings]
    with pytest.raises(ValidationError) as refused:
        record_act(by=personas.tom, entity=entity, kind=kind, date=date, holdings=rows)
    assert _code(refused) == code
    assert ShareAct.objects.filter(entity=entity).count() == 3


def test_who_records_and_what_a_member_must_be(personas, entity):
    p = personas
    comune_only = [(p.comune, D("100"))]
    with pytest.raises(ValidationError) as refused:
        record_act(
            by=p.tom, entity=entity, kind="ADMISSION", date=day(2020, 1, 1), holdings=comune_only
        )
    assert _code(refused) == "not_constituted"
    with pytest.raises(PermissionDenied):
        record_act(
            by=p.oscar,
            entity=entity,
            kind="CONSTITUTION",
            date=day(2020, 1, 1),
            holdings=comune_only,
        )
    unregistered = Organization(name="Associazione non iscritta")
    with pytest.raises(ValidationError) as refused:
        record_act(
            by=p.tom,
            entity=entity,
            kind="CONSTITUTION",
            date=day(2020, 1, 1),
            holdings=[(unregistered, D("100"))],
        )
    assert _code(refused) == "member_not_on_trama"
    with pytest.raises(ValidationError) as refused:
        record_act(
            by=p.tom,
            entity=entity,
            kind="CONSTITUTION",
            date=day(2020, 1, 1),
            holdings=[(entity, D("100"))],
        )
    assert _code(refused) == "self_member"
    assert not ShareAct.objects.filter(entity=entity).exists()
    # The platform staff may record for an entity, as its administrators do.
    record_act(
        by=p.sam, entity=entity, kind="CONSTITUTION", date=day(2020, 1, 1), holdings=comune_only
    )
    assert table_on(entity, day(2020, 1, 1)).public_share == D("100")  # fmt: skip


def test_an_entitys_own_resources_are_split_by_the_shares_of_their_year(personas, entity, history):
    p = personas
    program = lecco_program(personas)

    def own(year, amount, **extra):
        return ledger.record_entry(
            by=p.alice,
            program=program,
            contributor=entity,
            kind="ACTUAL",
            category="ORGANISATIONAL",
            source=extra.pop("source", "OWN_RESOURCES"),
            year=year,
            amount=amount,
            **extra,
        )

    # The shares in force on 1 January of each year: none in 2017 (constituted in June),
    # 40 % public in 2018 (the transfer came in March), 30 % in 2019, 25 % in 2020.
    e2017 = own(2017, "10.000,00")
    e2018 = own(2018, "12.345,67")
    e2019 = own(2019, "8.000,00")
    e2020 = own(2020, "1.000,01")
    grant = own(2020, "5.000,00", source="FOUNDATION_GRANT", funder=p.foundation)
    ledger.record_entry(
        by=p.alice,
        program=program,
        contributor=p.comune,
        kind="ACTUAL",
        category="ECONOMIC",
        source="PUBLIC_OWNER",
        year=2018,
        amount="100.000,00",
    )
    assert [e.public_share for e in (e2017, e2018, e2019, e2020, grant)] == [
        None,
        D("40"),
        D("30"),
        D("25"),
        None,
    ]
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    # Public members' parts: 12,345.67 × 40 % = 4,938.27; 8,000 × 30 % = 2,400.00;
    # 1,000.01 × 25 % = 250.00. The rest is the entity's own (additional) resources.
    assert figures.other_public == D("7588.27")
    assert figures.by_source["OWN_RESOURCES"] == D("10000.00") + D("7407.40") + D("5600.00") + D(
        "750.01"
    )
    assert figures.additional == D("23757.41") + D("5000.00")
    assert figures.public == D("100000.00")
    assert figures.leverage == D("28.757410")
    by_year = {
        year: (public, other, additional) for year, public, other, additional in figures.by_year
    }
    assert by_year[2018] == (D("100000.00"), D("4938.27"), D("7407.40"))
    assert check_rollups().ok

    # A reversal takes back both parts to the cent.
    ledger.reverse_entry(e2019, by=p.alice, reason="Doppione")
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.other_public == D("5188.27")
    assert figures.by_source["OWN_RESOURCES"] == D("18157.41")
    assert check_rollups().ok

    # The share is frozen on the entry: annulling the exit changes the table, not the entry.
    annul_act(by=p.tom, act=history[2], reason="Recesso mai perfezionato")
    assert public_share_on(entity.pk, day(2020, 1, 1)) == D("30")
    assert LedgerEntry.objects.get(pk=e2020.pk).public_share == D("25")
    assert compute_figures(Scope(Level.PROGRAM, program.pk)).other_public == D("5188.27")
    assert check_rollups().ok
