"""The co-design table's services: opening, meetings and minutes, the shared project,
adoption; who reads the selected proposals once they are ranked."""

import hashlib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from trama.audit.services import chain_for, verify_chain
from trama.conftest import make_user
from trama.notifications.models import Kind, Notification
from trama.organizations.models import Membership
from trama.pages.tasks import minutes_to_approve, projects_to_adopt, standing_of
from trama.procedures import services
from trama.procedures.access import access_procedure, access_proposal, table_bodies
from trama.procedures.models import Adoption, MinutesReview, Procedure, ProjectVersion
from trama.procedures.project import diff_rows, sections
from trama.programs.services import create_program

from .table_support import past, ranked_call, signed_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(bodies):
    """Ranked: the consortium with the coop selected, Una's APS not; Olga, an officer of
    the Comune who is neither RUP nor evaluator."""
    program = create_program(
        by=bodies.alice, owner=bodies.comune, title="Abitare", start_year=2026, end_year=2028
    )
    call, selected, losers = ranked_call(bodies, program, others=[(bodies.aps, bodies.una)])
    bodies.olga = make_user("olga@trama.test", first_name="Olga", last_name="Riva")
    Membership.objects.create(organization=bodies.comune, user=bodies.olga)
    bodies.call, bodies.selected, bodies.loser = call, selected, losers[0]
    return bodies


@pytest.fixture
def table(ranked):
    services.open_table(ranked.call, by=ranked.alice)
    ranked.call.refresh_from_db()
    return ranked


def test_it_opens_the_table_with_the_selected_proposals_merged_and_tells_the_bodies(
    ranked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        version = services.open_table(ranked.call, by=ranked.alice)

    ranked.call.refresh_from_db()
    assert ranked.call.state == Procedure.State.TABLE
    assert version.number == 1
    assert version.text.startswith("## Qualità del progetto\n\n### Consorzio Lario\n\n")
    assert "Casa comune: risposta su Risorse aggiuntive" in version.text
    assert "APS Ponte" not in version.text  # not selected
    assert [s.heading for s in sections(version.text)] == [
        "Qualità del progetto",
        "Risorse aggiuntive",
    ]
    assert table_bodies(ranked.call) == {ranked.consortium.pk, ranked.coop.pk}
    told = set(
        Notification.objects.filter(kind=Kind.TABLE_OPENED).values_list(
            "recipient__email", flat=True
        )
    )
    assert told == {"tom@trama.test", "eve@trama.test", "olga@trama.test"}
    assert any("tom@trama.test" in m.to or "tom@trama.test" in m.bcc for m in mail.outbox)
    assert verify_chain(chain_for(ranked.call)).ok


def test_only_the_rup_opens_the_table_once_and_only_after_the_ranking(ranked):
    # Until the table opens, the selected proposal stays with the evaluation's readers.
    assert not access_proposal(ranked.olga, ranked.selected.pk).reads_content
    with pytest.raises(Http404):
        access_proposal(ranked.oscar, ranked.selected.pk)
    with pytest.raises(ValidationError, match="once the co-design table is open"):
        services.schedule_meeting(
            ranked.call, by=ranked.alice, title="X", held_at=past(), agenda="Y", place="Z"
        )
    with pytest.raises(PermissionDenied):
        services.open_table(ranked.call, by=ranked.eve)  # an officer, not the RUP
    with pytest.raises(PermissionDenied):
        services.open_table(ranked.call, by=ranked.tom)
    draft = services.create_call(
        by=ranked.alice, program=ranked.call.program, title="Bozza", description="Bozza"
    )
    with pytest.raises(ValidationError, match="cannot become"):
        services.open_table(draft, by=ranked.alice)
    services.open_table(ranked.call, by=ranked.alice)
    with pytest.raises(ValidationError) as refused:
        services.open_table(ranked.call, by=ranked.alice)
    assert refused.value.code == "already_open"
    assert ProjectVersion.objects.filter(procedure=ranked.call).count() == 1


def test_selected_proposals_open_to_the_table_and_the_others_stay_with_their_bodies(table):
    selected, loser = table.selected.pk, table.loser.pk
    for reader in (table.tom, table.pat, table.alice, table.eve, table.olga):
        assert access_proposal(reader, selected).reads_content, reader
    for outsider in (table.una, table.oscar, table.fiona, table.sam):
        with pytest.raises(Http404):
            access_proposal(outsider, selected)
    assert access_proposal(table.una, loser).reads_content  # its own partner
    assert access_proposal(table.eve, loser).reads_content  # the commission, declared clear
    assert not access_proposal(table.olga, loser).reads_content  # sees it exists, not what
    for outsider in (table.tom, table.pat, table.oscar):
        with pytest.raises(Http404):
            access_proposal(outsider, loser)
    sees = {p.email: access_procedure(p, table.call.pk).sees_table for p in _people(table)}
    assert sees == {
        "alice@trama.test": True,
        "eve@trama.test": True,
        "olga@trama.test": True,
        "tom@trama.test": True,
        "pat@trama.test": True,
        "una@trama.test": False,
        "oscar@trama.test": False,
        "fiona@trama.test": False,
    }


def _people(p):
    return [p.alice, p.eve, p.olga, p.tom, p.pat, p.una, p.oscar, p.fiona]


def _held_meeting(table, **extra):
    meeting = services.schedule_meeting(
        table.call,
        by=table.alice,
        title="Primo incontro",
        held_at=past(),
        agenda="Obiettivi",
        place="Sala consiliare",
        **extra,
    )
    return meeting


def test_meetings_minutes_and_their_approval_by_the_bodies_that_attended(
    table, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionDenied):
        services.schedule_meeting(
            table.call, by=table.tom, title="X", held_at=past(), agenda="Y", place="Z"
        )
    with pytest.raises(ValidationError, match="a place, an online link"):
        services.schedule_meeting(table.call, by=table.alice, title="X", held_at=past(), agenda="Y")
    meeting = _held_meeting(table)
    with pytest.raises(ValidationError, match="APS Ponte is not at this table"):
        services.record_table_minutes(
            meeting,
            by=table.alice,
            minutes="Verbale",
            attendance=[(table.aps, "Una Ferri", None)],
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.record_table_minutes(
            meeting,
            by=table.alice,
            minutes="Si concordano gli obiettivi.",
            attendance=[
                (table.consortium, "Tom Verdi", table.tom),
                (table.comune, "Alice Rossi", table.alice),
            ],
        )
    assert Notification.objects.filter(kind=Kind.MINUTES_TO_APPROVE, recipient=table.tom).exists()
    assert [t.title for t in minutes_to_approve(standing_of(table.tom))] == ["Primo incontro"]

    # Minutes approved by someone not at the meeting: refused, nothing saved.
    for who, body in (
        (table.una, table.aps),  # an admin of a body that did not attend
        (table.tom, table.coop),  # an admin, but of a body that did not attend
        (table.pat, table.consortium),  # not an admin of the body
        (table.alice, table.comune),  # the public body drafted them
    ):
        with pytest.raises(PermissionDenied, match="not at this meeting"):
            services.review_minutes(meeting, by=who, organization=body, approve=True)
    assert not MinutesReview.objects.exists()

    with pytest.raises(ValidationError, match="Write your comment"):
        services.review_minutes(meeting, by=table.tom, organization=table.consortium, approve=False)
    services.review_minutes(
        meeting, by=table.tom, organization=table.consortium, approve=False, comment="Manca X"
    )
    services.record_table_minutes(  # a new draft: a new round
        meeting,
        by=table.alice,
        minutes="Si concordano gli obiettivi, e X.",
        attendance=[(table.consortium, "Tom Verdi", None)],
    )
    services.review_minutes(meeting, by=table.tom, organization=table.consortium, approve=True)
    assert minutes_to_approve(standing_of(table.tom)) == []
    with pytest.raises(ValidationError) as refused:
        services.review_minutes(meeting, by=table.tom, organization=table.consortium, approve=True)
    assert refused.value.code == "already_approved"
    with pytest.raises(ValidationError, match="can no longer change"):
        services.record_table_minutes(
            meeting, by=table.alice, minutes="Altro", attendance=[(table.comune, "Alice", None)]
        )
    assert verify_chain(chain_for(table.call)).ok

    # The same meetings serve the agreement's steering group during co-production.
    Procedure.objects.filter(pk=table.call.pk).update(state=Procedure.State.IN_PROGRESS)
    meeting = _held_meeting(table, online_link="https://meet.example.org/cabina")
    services.record_table_minutes(
        meeting, by=table.alice, minutes="Cabina di regia", attendance=[(table.coop, "Pat", None)]
    )
    review = services.review_minutes(meeting, by=table.tom, organization=table.coop, approve=True)
    assert review.decision == MinutesReview.Decision.APPROVED
    Procedure.objects.filter(pk=table.call.pk).update(state=Procedure.State.COMPLETED)
    with pytest.raises(ValidationError):
        _held_meeting(table)


def test_project_versions_conflicts_and_comments(table):
    v1 = ProjectVersion.objects.get(procedure=table.call)
    v2 = services.save_project_version(
        table.call,
        by=table.tom,
        text=v1.text + "\n## Tempi\n\nDodici mesi.",
        summary="Tempi",
        base=v1,
    )
    assert (v2.number, v2.base, v2.created_by) == (2, v1, table.tom)
    # Pat edited version 1 too: a conflict, nothing saved.
    with pytest.raises(ValidationError) as refused:
        services.save_project_version(
            table.call, by=table.pat, text=v1.text + "\nAltro", summary="Altro", base=v1
        )
    assert refused.value.code == "stale_base"
    assert ProjectVersion.objects.filter(procedure=table.call).count() == 2
    with pytest.raises(ValidationError, match="same as version 2"):
        services.save_project_version(
            table.call, by=table.eve, text=v2.text, summary="Niente", base=v2
        )
    with pytest.raises(ValidationError, match="what you changed"):
        services.save_project_version(table.call, by=table.eve, text="## A", summary="", base=v2)
    for outsider in (table.una, table.oscar):
        with pytest.raises(PermissionDenied):
            services.save_project_version(
                table.call, by=outsider, text="## A", summary="A", base=v2
            )
    comment = services.comment_section(v2, by=table.pat, section="tempi", text="Troppo pochi")
    assert comment.heading == "Tempi"
    with pytest.raises(ValidationError, match="no such section"):
        services.comment_section(v2, by=table.pat, section="budget", text="?")
    with pytest.raises(PermissionDenied):
        services.comment_section(v2, by=table.una, section="tempi", text="?")
    rows = [r for r in diff_rows(v1.text, v2.text) if r]
    assert [(r.kind, r.text) for r in rows if r.kind != "same"] == [
        ("added", ""),
        ("added", "## Tempi"),
        ("added", ""),
        ("added", "Dodici mesi."),
    ]


def test_the_rup_adopts_a_version_by_a_signed_act_and_the_project_stops(
    table, django_capture_on_commit_callbacks
):
    v1 = ProjectVersion.objects.get(procedure=table.call)
    act = {"act_number": "DD 123/2026", "act_date": past().date(), "reasons": "Condiviso"}
    assert [t.kind for t in projects_to_adopt(standing_of(table.alice))] == ["project_to_adopt"]
    with pytest.raises(PermissionDenied):
        services.adopt_project(table.call, by=table.eve, version=v1, upload=signed_pdf(), **act)
    with pytest.raises(ValidationError, match="PDF or .p7m"):
        services.adopt_project(
            table.call, by=table.alice, version=v1, upload=signed_pdf("atto.docx"), **act
        )
    with pytest.raises(ValidationError, match="is not a PDF"):
        services.adopt_project(
            table.call, by=table.alice, version=v1, upload=signed_pdf(content=b"ciao"), **act
        )
    with django_capture_on_commit_callbacks(execute=True):
        adoption = services.adopt_project(
            table.call, by=table.alice, version=v1, upload=signed_pdf(), **act
        )
    assert adoption.file_sha256 == hashlib.sha256(signed_pdf().read()).hexdigest()
    assert adoption.file.read() == signed_pdf().read()
    assert Notification.objects.filter(kind=Kind.PROJECT_ADOPTED, recipient=table.tom).exists()
    assert projects_to_adopt(standing_of(table.alice)) == []
    with pytest.raises(ValidationError) as refused:
        services.adopt_project(table.call, by=table.alice, version=v1, upload=signed_pdf(), **act)
    assert refused.value.code == "already_adopted"
    with pytest.raises(ValidationError, match="can no longer be edited"):
        services.save_project_version(table.call, by=table.tom, text="## B", summary="B", base=v1)
    assert Adoption.objects.count() == 1
    assert verify_chain(chain_for(table.call)).ok
