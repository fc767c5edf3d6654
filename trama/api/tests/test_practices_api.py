"""Changing, publishing and commenting practice sheets, new library versions, calls started
from templates: through the API."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from trama.community.practices import services
from trama.community.practices.models import PracticeComment, PracticeVersion
from trama.community.practices.tests.conftest import PDF, sheet
from trama.community.tests.conftest import join
from trama.procedures.models import Procedure

PRACTICES = "/api/v1/community/practices"
LIBRARY = "/api/v1/community/library"


@pytest.fixture
def members(personas):
    """alice (Comune di Lecco), tom (consortium and coop) and pat (coop) join; oscar doesn't."""
    for user in (personas.alice, personas.tom, personas.pat):
        join(user)
    return personas


def post(client, url, headers, body=None):
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def code(response):
    return response.status_code, response.json()["error"]["code"]


def test_an_actor_saves_a_new_version_and_a_stale_one_is_refused(members, client, token_for):
    practice = sheet(members.alice, actors=[members.comune], publish=True)
    url = f"{PRACTICES}/{practice.pk}/update"
    body = {
        "title": "Welfare comunitario a Lecco, dieci anni",
        "year_from": 2006,
        "year_to": 2016,
        "actors": [{"organization": members.comune.slug}, {"name": "Parrocchia"}],
        "worked": "Le reti di vicinato.",
        "base_version": 1,
    }
    assert code(post(client, url, token_for(members.tom, "write"), body)) == (
        403,
        "not_an_actor",
    )
    assert code(post(client, url, token_for(members.alice), body)) == (403, "token_read_only")
    alice = token_for(members.alice, "write")
    assert post(client, url, alice, {**body, "publish": True}).status_code == 422

    saved = post(client, url, alice, body)

    assert saved.status_code == 200, saved.content
    assert (saved.json()["version"], saved.json()["worked"]) == (2, "Le reti di vicinato.")
    assert [a["name"] for a in saved.json()["actors"]] == ["Comune di Lecco", "Parrocchia"]
    read = client.get(f"{PRACTICES}/{practice.pk}").json()
    assert read["title"] == "Welfare comunitario a Lecco, dieci anni"
    assert PracticeVersion.objects.filter(practice=practice).count() == 2
    stale = post(client, url, alice, {**body, "title": "Altro"})
    assert code(stale) == (409, "stale_base")
    assert client.get(f"{PRACTICES}/{practice.pk}").json()["version"] == 2


def test_a_draft_is_published_by_its_writers_only(members, client, token_for):
    draft = sheet(members.alice, actors=[members.comune], title="Bozza")
    url = f"{PRACTICES}/{draft.pk}/publish"
    tom = token_for(members.tom, "write")
    assert post(client, url, tom).status_code == 404  # a draft he does not write
    mine = {"title": "X", "year_from": 2010, "actors": [{"organization": members.consortium.slug}]}
    assert post(client, f"{PRACTICES}/{draft.pk}/update", tom, mine).status_code == 404
    assert client.get(f"{PRACTICES}/{draft.pk}").status_code == 404

    published = post(client, url, token_for(members.alice, "write"))

    assert published.status_code == 200, published.content
    assert published.json()["status"] == "PUBLISHED"
    assert client.get(f"{PRACTICES}/{draft.pk}").json()["status"] == "PUBLISHED"
    assert code(post(client, url, tom)) == (403, "not_an_actor")


def test_members_comment_on_published_sheets(members, client, token_for):
    draft = sheet(members.alice, actors=[members.comune], title="Bozza")
    published = sheet(members.alice, actors=[members.comune], publish=True)
    text = {"text": "Come avete coinvolto le parrocchie?"}
    alice = token_for(members.alice, "write")
    assert code(post(client, f"{PRACTICES}/{draft.pk}/comments", alice, text)) == (
        400,
        "not_published",
    )
    url = f"{PRACTICES}/{published.pk}/comments"
    assert code(post(client, url, token_for(members.oscar, "write"), text)) == (
        403,
        "not_a_member",
    )
    assert code(post(client, url, alice, {"text": "   "})) == (400, "required")

    comment = post(client, url, token_for(members.pat, "write"), text)

    assert comment.status_code == 201, comment.content
    assert comment.json()["text"] == text["text"]
    assert comment.json()["practice"] == published.pk
    stored = PracticeComment.objects.get(practice=published)
    assert (stored.author.user, stored.text) == (members.pat, text["text"])


def test_the_author_of_a_document_adds_a_version(members, client, token_for):
    document = services.create_document(
        by=members.pat,
        kind="STUDY",
        title="Studio",
        description="Uno studio.",
        upload=SimpleUploadedFile("studio.pdf", PDF),
    )
    url = f"{LIBRARY}/{document.pk}/versions"
    newer = PDF.replace(b"endobj", b"endobj\n% 2020")
    body = {"note": "Dati 2020", "file_name": "studio-2020.pdf"}
    body["file_base64"] = base64.b64encode(newer).decode()
    assert code(post(client, url, token_for(members.tom, "write"), body)) == (
        403,
        "not_document_editor",
    )
    pat = token_for(members.pat, "write")
    assert code(post(client, url, pat, {**body, "file_base64": "%%%"})) == (400, "invalid_base64")
    assert post(client, f"{LIBRARY}/999999/versions", pat, body).status_code == 404

    added = post(client, url, pat, body)

    assert added.status_code == 201, added.content
    assert (added.json()["number"], added.json()["note"]) == (2, "Dati 2020")
    versions = client.get(f"{LIBRARY}/{document.pk}").json()["versions"]
    assert sorted(v["number"] for v in versions) == [1, 2]
    assert document.versions.get(number=2).file.read() == newer


def test_an_officer_starts_a_draft_call_from_a_template(members, program, client, token_for):
    template = services.create_document(
        by=members.pat,
        kind="CALL_TEMPLATE",
        title="Modello di avviso",
        description="Un modello.",
        text="Oggetto: servizi per l'abitare.",
        upload=SimpleUploadedFile("modello.pdf", PDF),
    )
    study = services.create_document(
        by=members.pat,
        kind="STUDY",
        title="Studio",
        description="Uno studio.",
        upload=SimpleUploadedFile("studio.pdf", PDF),
    )
    url = f"{LIBRARY}/{template.pk}/use"
    body = {"program": program.slug, "draft_key": "k1"}
    assert code(post(client, url, token_for(members.tom, "write"), body)) == (403, "forbidden")
    alice = token_for(members.alice, "write")
    assert code(post(client, f"{LIBRARY}/{study.pk}/use", alice, body)) == (
        400,
        "not_a_call_template",
    )
    assert code(post(client, url, alice, {**body, "program": "nessuno"})) == (
        400,
        "unknown_program",
    )
    assert not Procedure.objects.exists()

    started = post(client, url, alice, body)

    assert started.status_code == 201, started.content
    assert started.json()["title"] == "Modello di avviso"
    assert started.json()["description"] == "Oggetto: servizi per l'abitare."
    call = Procedure.objects.get()
    assert (call.pk, call.state, call.rup, call.program) == (
        started.json()["id"],
        "DRAFT",
        members.alice,
        program,
    )
    again = post(client, url, alice, body)  # the same key: the same draft
    assert again.json()["id"] == call.pk and Procedure.objects.count() == 1
