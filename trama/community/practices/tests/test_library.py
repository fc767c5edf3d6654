import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from trama.community.practices import services
from trama.community.practices.models import Document, DocumentVersion
from trama.community.practices.services import NotAllowed
from trama.procedures.models import Procedure

from .conftest import PDF, pdf

TEMPLATE_TEXT = "Avviso pubblico per la co-progettazione di interventi di welfare comunitario."


def add(by, **fields):
    return services.create_document(
        by=by,
        **{
            "kind": Document.Kind.CALL_TEMPLATE,
            "title": "Modello di avviso di co-progettazione",
            "description": "L'avviso di Lecco, riusabile.",
            "text": TEMPLATE_TEXT,
            "tags": ["avvisi", "Co-progettazione"],
            "upload": pdf(),
            **fields,
        },
    )


def test_a_new_file_is_a_new_version_and_earlier_ones_stay_downloadable(members, client_for):
    document = add(members.alice, body=members.comune)
    services.add_version(
        document, by=members.alice, upload=pdf("v2.pdf", PDF + b"% v2\n"), note="Rivisto"
    )
    client = client_for(None)

    first = client.get(reverse("practices:download", args=[document.pk, 1]))
    second = client.get(reverse("practices:download", args=[document.pk, 2]))
    client.get(reverse("practices:download", args=[document.pk, 2]))

    assert first.status_code == second.status_code == 200
    assert b"".join(first.streaming_content) == PDF
    assert b"v2" in b"".join(second.streaming_content)
    assert "attachment" in second["Content-Disposition"]
    counts = dict(DocumentVersion.objects.values_list("number", "downloads"))
    assert counts == {1: 1, 2: 2}
    assert Document.objects.get(pk=document.pk).downloads == 3
    assert sorted(t.slug for t in document.tags.all()) == ["avvisi", "co-progettazione"]


def test_the_pdf_preview_is_inline_on_the_detail_page(members, client_for):
    document = add(members.alice)
    client = client_for(None)

    page = client.get(document.get_absolute_url()).content.decode()
    preview = client.get(reverse("practices:preview", args=[document.pk, 1]))

    assert f'<object data="{reverse("practices:preview", args=[document.pk, 1])}"' in page
    assert reverse("practices:download", args=[document.pk, 1]) in page  # the fallback
    assert preview["Content-Disposition"].startswith("inline")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert DocumentVersion.objects.get().downloads == 0  # a preview is not a download


def test_only_the_author_and_the_members_of_its_body_add_versions(members):
    document = add(members.alice, body=members.comune)

    with pytest.raises(NotAllowed) as exc:
        services.add_version(document, by=members.tom, upload=pdf("x.pdf", PDF + b"%x"))

    assert exc.value.code == "not_document_editor"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("virus.exe", b"MZ....", "invalid_file"),
        ("finto.pdf", b"not a pdf", "invalid_file"),
        ("finto.docx", b"PK\x03\x04 not a zip", "invalid_file"),
        ("vuoto.pdf", b"", "invalid_file"),
    ],
)
def test_files_are_checked_by_extension_and_content(members, name, content, code):
    with pytest.raises(ValidationError) as exc:
        add(members.alice, upload=SimpleUploadedFile(name, content))
    assert exc.value.error_dict["file"][0].code == code
    assert not Document.objects.exists()


def test_a_template_needs_its_text(members):
    with pytest.raises(ValidationError) as exc:
        add(members.alice, text="")
    assert exc.value.error_dict["text"][0].code == "template_text_required"
    add(members.alice, kind=Document.Kind.STUDY, text="")  # a study needs none


def test_use_as_template_makes_a_draft_call_with_its_text_once(members, program, client_for):
    document = add(members.tom, body=members.consortium)
    url = reverse("practices:use_template", args=[document.pk])
    client = client_for(members.alice)
    form = {"program": program.pk, "title": "Nuovo avviso 2027", "draft_key": "k-123"}

    assert program.title in client.get(url).content.decode()
    first = client.post(url, form)
    again = client.post(url, form)  # a double submission

    call = Procedure.objects.get()
    assert (call.state, call.title, call.description) == (
        "DRAFT",
        "Nuovo avviso 2027",
        TEMPLATE_TEXT,
    )
    assert call.program == program and call.rup == members.alice
    assert first["Location"] == again["Location"] == reverse("procedures:call_edit", args=[call.pk])


def test_use_as_template_is_refused_outside_ones_public_body(members, program, client_for):
    document = add(members.alice)

    response = client_for(members.tom).post(
        reverse("practices:use_template", args=[document.pk]),
        {"program": program.pk, "title": "X", "draft_key": "k-1"},
    )

    assert response.status_code == 400  # the program is not one of his: not a choice
    assert not Procedure.objects.exists()


def test_the_library_filters_and_reads_a_bounded_number_of_queries(
    members, client_for, django_assert_max_num_queries
):
    for n in range(23):
        add(
            members.alice,
            title=f"Studio {n}",
            kind=Document.Kind.STUDY,
            tags=[f"tema-{n % 3}"],
            upload=pdf(f"s{n}.pdf", PDF + str(n).encode()),
        )
    add(
        members.tom,
        title="Verbale tipo",
        kind=Document.Kind.MINUTES_TEMPLATE,
        licence="CC0-1.0",
        body=members.consortium,
    )
    client = client_for(None)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("practices:library"))
    assert response.content.decode().count('data-testid="document"') == 20

    only = client.get(reverse("practices:library"), {"licence": "CC0-1.0"}).content.decode()
    assert "Verbale tipo" in only and "Studio 1<" not in only
    by_body = client.get(
        reverse("practices:library"), {"body": members.consortium.slug}
    ).content.decode()
    assert by_body.count('data-testid="document"') == 1
    by_tag = client.get(reverse("practices:library"), {"tag": "tema-0"}).content.decode()
    assert by_tag.count('data-testid="document"') == 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_downloads_are_all_counted(personas):
    from trama.community.tests.conftest import join

    join(personas.alice)
    document = add(personas.alice)
    version = document.versions.get()

    def count():
        try:
            for _ in range(5):
                services.record_download(version)
        finally:
            connection.close()

    threads = [threading.Thread(target=count) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    version.refresh_from_db()
    assert version.downloads == 20
