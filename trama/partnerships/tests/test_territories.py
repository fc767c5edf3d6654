"""Territories: resolving keys, timelines, comparisons equal to each territory's own figures."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from trama.conftest import make_org
from trama.ledger import services as ledger
from trama.ledger.figures import compute_figures
from trama.ledger.models import Level
from trama.partnerships import services
from trama.partnerships.territory import compare, resolve, resolve_many, timeline
from trama.procedures.services import record_historical_procedure
from trama.programs.services import create_program
from trama.territories.models import Municipality

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def places(personas):
    """Lecco: a program since 2016 with two calls and resources; Milano: one with public
    money only; Torino: nothing at all."""
    p = personas
    lecco = create_program(
        by=p.alice, owner=p.comune, title="Welfare comunitario", start_year=2016, end_year=2020
    )
    record_historical_procedure(
        by=p.alice,
        program=lecco,
        title="Primo avviso",
        kind="CO_DESIGN",
        opened_on=datetime.date(2016, 3, 1),
        participants=[p.consortium],
    )
    record_historical_procedure(
        by=p.alice,
        program=lecco,
        title="Secondo avviso",
        kind="CO_DESIGN",
        opened_on=datetime.date(2018, 3, 1),
        participants=[p.consortium, p.coop],
    )
    services.record_contractual(by=p.alice, program=lecco, formed_on=datetime.date(2016, 9, 1))
    for year, public, grant, own in (
        (2016, "100.000,00", "10.000,00", "5.000,00"),
        (2018, "200.000,00", "30.000,00", "15.000,00"),
    ):
        entry = dict(by=p.alice, program=lecco, kind="ACTUAL", category="ECONOMIC", year=year)
        ledger.record_entry(contributor=p.comune, source="PUBLIC_OWNER", amount=public, **entry)
        ledger.record_entry(
            contributor=p.consortium,
            source="FOUNDATION_GRANT",
            amount=grant,
            funder=p.foundation,
            **entry,
        )
        ledger.record_entry(contributor=p.coop if year == 2018 else p.consortium, source="OWN_RESOURCES", amount=own, **entry)  # fmt: skip
    milano_body = make_org(
        "Comune di Milano",
        by=p.sam,
        kind="PUBLIC_BODY",
        tax_code="01199250158",
        municipality="Milano (MI)",
        verified=True,
    )
    milano = create_program(
        by=p.sam, owner=milano_body, title="Abitare Milano", start_year=2018, end_year=2020
    )
    ledger.record_entry(
        by=p.sam,
        program=milano,
        contributor=milano_body,
        kind="ACTUAL",
        category="ECONOMIC",
        source="PUBLIC_OWNER",
        year=2019,
        amount="50.000,00",
    )
    Municipality.objects.filter(istat_code="097042").update(population=48000, population_year=2024)
    return lecco, milano


def test_keys_name_territories_and_an_unknown_one_is_refused(personas, places):
    assert resolve("municipality:097042").name == "Lecco (LC)"
    assert resolve("province:097").scope.level == Level.PROVINCE
    assert resolve("region:03").name == "Lombardia"
    assert resolve("program:welfare-comunitario").program_ids == (places[0].pk,)
    for key in ("municipality:999999", "region:", "planet:03", "", "province:ABC"):
        with pytest.raises(ValidationError) as refused:
            resolve(key)
        assert refused.value.code == "unknown_territory"
    with pytest.raises(ValidationError) as refused:
        resolve_many(["region:03"])
    assert refused.value.code == "too_few_territories"
    with pytest.raises(ValidationError) as refused:
        resolve_many([f"region:{n:02d}" for n in range(1, 8)])
    assert refused.value.code == "too_many_territories"


def test_the_timeline_tells_the_story_with_the_network_and_resources_after_each_step(
    personas, places
):
    story = timeline(resolve("municipality:097042"))
    rows = [(s.day.isoformat(), s.kind, s.network, s.additional, s.leverage) for s in story.steps]
    assert rows == [
        ("2016-01-01", "program", 1, D("15000.00"), D("15.000000")),
        ("2016-03-01", "call", 1, D("15000.00"), D("15.000000")),
        ("2016-09-01", "partnership", 1, D("15000.00"), D("15.000000")),
        # 2016 + 2018: 60,000 of additional resources on 300,000 of public money.
        ("2018-03-01", "call", 2, D("60000.00"), D("20.000000")),
    ]


def test_a_comparison_shows_each_territorys_own_figures(personas, places):
    keys = ["municipality:097042", "region:03", "program:abitare-milano", "region:01"]
    results = compare(resolve_many(keys))
    for result in results:
        # Read together for the comparison; alone, as each territory's own page does.
        own, together = compute_figures(result.territory.scope), result.figures
        for name in ("public", "other_public", "additional", "by_source", "by_category",
                     "by_year", "leverage", "multiplier", "entries", "pledged", "accepted"):  # fmt: skip
            assert getattr(together, name) == getattr(own, name), name
    lecco, lombardy, milano, piedmont = results
    assert lecco.figures.public == D("300000.00") and lecco.figures.leverage == D("20.000000")
    # The region holds both programs: its figures are the sum of theirs.
    assert lombardy.figures.public == D("350000.00")
    assert lombardy.figures.additional == D("60000.00")
    assert milano.figures.additional == D("0.00") and milano.figures.leverage == D("0.000000")
    assert (lecco.calls, lecco.partners, lecco.agreements) == (2, 2, 0)
    # The region's counts, read with the other regions' and the program's in one query.
    assert (lombardy.calls, lombardy.partners, lombardy.taking_part, lombardy.new) == (2, 2, 3, 2)
    assert (piedmont.calls, piedmont.partners, piedmont.newcomer_share) == (0, 0, None)
    # The consortium was new in the first call; in the second only the coop was.
    assert lecco.newcomers == [("Primo avviso", 2016, 1, 1), ("Secondo avviso", 2018, 2, 1)]
    assert lecco.newcomer_share == D("66.7")
    assert lecco.public_per_inhabitant == D("6.25")  # 300,000 / 48,000
    assert lombardy.public_per_inhabitant is None  # not every municipality's population known
    # Piedmont has nothing: no data, not zero percent.
    assert not piedmont.figures.has_data and piedmont.figures.leverage is None


def test_the_comparison_page_and_its_files(client, personas, places):
    url = reverse("partnerships:compare")
    page = client.get(url, {"t": ["municipality:097042", "region:01"]})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Lecco (LC)" in body and "Piemonte" in body
    assert "300.000,00" in body
    exported = client.get(url, {"t": ["municipality:097042", "region:01"], "formato": "csv"})
    rows = list(
        csv.reader(
            io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    by_label = {row[0]: row[1:] for row in rows}
    assert rows[0][1:] == ["Lecco (LC) — Comune", "Piemonte — Regione"]
    public = next(
        v
        for k, v in by_label.items()
        if k.startswith("Public resources") or k.startswith("Risorse pubbliche")
    )
    assert public[0] == "300000,00"
    # Piemonte has nothing recorded: the file says so rather than a zero.
    assert public[1] in ("nessun dato", "no data")
    xlsx = client.get(url, {"t": ["municipality:097042", "region:01"], "formato": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    # A stale link's unknown territory is left out, said so, and the others stay chosen;
    # a link naming nothing known is a 404.
    stale = client.get(url, {"t": ["municipality:097042", "region:99", "region:01"]})
    assert stale.status_code == 200 and "region:99" in stale.content.decode()
    assert [t.key for t in stale.context["chosen"]] == ["municipality:097042", "region:01"]
    assert stale.context["results"]
    assert client.get(url, {"t": ["region:99", "planet:1"]}).status_code == 404
    # Years the wrong way round: 400, the form kept to mend them.
    inverted = client.get(
        url, {"t": ["municipality:097042", "region:01"], "year_from": 2020, "year_to": 2010}
    )
    assert inverted.status_code == 400 and 'name="year_from"' in inverted.content.decode()
    alone = client.get(url, {"t": ["municipality:097042"]})
    assert alone.status_code == 200
    timeline_csv = client.get(
        reverse("partnerships:timeline", args=["municipality:097042"]), {"formato": "csv"}
    )
    lines = b"".join(timeline_csv.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 5 and lines[-1].startswith("2018-03-01;")
    assert client.get(reverse("partnerships:timeline", args=["region:99"])).status_code == 404
    assert client.get(reverse("partnerships:territories"), {"q": "Lec"}).status_code == 200


def test_the_kept_network_follows_every_write_and_equals_its_rebuild(personas, places):
    """The network's roll-ups are kept on write (calls' participants, signed agreements,
    ledger entries, reversals) by code that reads row by row; the rebuild reads the same
    sources in set-based SQL. After each kind of write the two agree, and the territory
    reads what a person would count by hand."""
    from trama.ledger.models import LedgerEntry
    from trama.partnerships import network
    from trama.procedures.models import Procedure

    p = personas
    assert network.check() == {"members_differing": 0, "steps_differing": 0}
    lecco = resolve("municipality:097042")
    region = resolve("region:03")
    for territory in (lecco, region):
        joined = network.joined(territory.scope.level, territory.scope.ids or (territory.scope.id,))
        # The consortium brought resources in 2016, the cooperative in 2018.
        assert joined.days == [datetime.date(2016, 1, 1), datetime.date(2018, 1, 1)]
        assert joined.size == 2 and joined.size_on(datetime.date(2017, 6, 1)) == 1
    assert {
        m.organization.name: m.first_seen_in for m in network.network_of(lecco.program_ids).members
    } == {
        p.consortium.name: "ledger",
        p.coop.name: "ledger",
    }

    # The cooperative's own resources of 2018 are cancelled: it is in the network from the
    # second call it took part in (1 March 2018), no longer from January.
    own = LedgerEntry.objects.get(contributor=p.coop, year=2018, source="OWN_RESOURCES")
    ledger.reverse_entry(own, by=p.alice, reason="Registrata per errore")
    assert network.check() == {"members_differing": 0, "steps_differing": 0}
    joined = network.joined(Level.REGION, [region.scope.id])
    assert joined.days == [datetime.date(2016, 1, 1), datetime.date(2018, 3, 1)]
    coop = next(
        m for m in network.network_of(lecco.program_ids).members if m.organization == p.coop
    )
    assert (coop.since, coop.first_seen_in) == (datetime.date(2018, 3, 1), "call")

    # It is taken off the second call: nothing else places it in the network.
    second = Procedure.objects.get(title="Secondo avviso")
    assert network.turnout([second.pk]) == {second.pk: 2}
    second.participants.remove(p.coop)
    assert network.check() == {"members_differing": 0, "steps_differing": 0}
    assert network.joined(Level.REGION, [region.scope.id]).size == 1
    assert network.turnout([second.pk]) == {second.pk: 1}
    first = Procedure.objects.get(title="Primo avviso")
    # The consortium's first call was the first notice: nobody is new in the second one.
    assert network.new_members_per_call(Level.REGION, [region.scope.id], [first.pk, second.pk]) == {
        first.pk: 1
    }
