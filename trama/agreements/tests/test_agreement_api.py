"""The agreements' API: issuing by the RUP only, signed copies verified before anything is kept."""

import base64

import pytest

from trama.agreements.models import AgreementVersion, SignedCopy
from trama.api.tests.conftest import token_for  # noqa: F401 - the fixture

from .support_agreement import drafted, example_signed_copy, issue_with_pdf

pytestmark = pytest.mark.django_db


def test_only_the_rup_issues_and_outsiders_do_not_find_the_agreement(
    personas,
    client,
    token_for,  # noqa: F811
):
    agreement = drafted(personas)
    url = f"/api/v1/agreements/{agreement.pk}/versions"

    outsider = client.post(
        url, {}, content_type="application/json", headers=token_for(personas.oscar, "write")
    )
    party = client.post(
        url, {}, content_type="application/json", headers=token_for(personas.tom, "write")
    )
    officer = client.post(
        url, {}, content_type="application/json", headers=token_for(personas.eve, "write")
    )

    assert outsider.status_code == 404
    assert party.status_code == 403 and officer.status_code == 403
    assert not AgreementVersion.objects.exists()


def test_a_copy_of_another_document_is_refused_with_the_librarys_code(
    personas,
    client,
    token_for,  # noqa: F811
):
    agreement = drafted(personas)
    issue_with_pdf(agreement, personas.alice, pdf=b"%PDF-1.7\n% un altro documento\n%%EOF\n")
    url = f"/api/v1/agreements/{agreement.pk}/signed-copies"
    body = {
        "party": "cooperativa-arcobaleno",
        "file_name": "convenzione.pdf.p7m",
        "content_base64": base64.b64encode(example_signed_copy()).decode(),
    }

    answer = client.post(
        url, body, content_type="application/json", headers=token_for(personas.tom, "write")
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "content_mismatch"
    assert not SignedCopy.objects.exists()
