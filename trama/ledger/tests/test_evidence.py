"""Evidence files go through the ledger's service: checked, kept privately, and audited."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for, verify_chain
from trama.ledger import services
from trama.ledger.models import Evidence

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


@pytest.fixture
def entry(personas, program):
    return services.record_entry(
        by=personas.tom,
        program=program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="OWN_RESOURCES",
        contributor=personas.coop,
        year=2017,
        amount="150.00",
    )


def pdf(name="fattura.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def trail(program):
    return AuditEvent.objects.filter(chain=chain_for(program), action="ledger.evidence_attached")


@pytest.mark.parametrize("who", ["tom", "pat", "alice"])  # coop's admin and member, the owner
def test_a_file_attached_to_an_entry_is_kept_and_written_in_the_trail(
    personas, program, entry, who
):
    evidence = services.attach_evidence(entry, by=getattr(personas, who), upload=pdf())

    assert evidence.entry == entry and evidence.name == "fattura.pdf"
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "fattura" not in evidence.file.name  # stored under a random name
    event = trail(program).get()
    assert event.actor == getattr(personas, who)
    assert event.object_id == str(entry.pk)
    assert event.data == {
        "evidence": evidence.pk,
        "name": "fattura.pdf",
        "size": len(PDF),
        "sha256": evidence.sha256,
    }
    assert verify_chain(chain_for(program)).ok


@pytest.mark.parametrize("who", ["oscar", "fiona"])
def test_only_who_may_record_the_entry_attaches_its_evidence(personas, program, entry, who):
    with pytest.raises(PermissionDenied):
        services.attach_evidence(entry, by=getattr(personas, who), upload=pdf())

    assert not Evidence.objects.exists() and not trail(program).exists()


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (pdf("virus.exe", b"MZ\x90\x00"), "file_type"),
        (pdf("fattura.pdf", b"MZ\x90\x00 not a pdf"), "file_content_mismatch"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(personas, program, entry, upload, code):
    with pytest.raises(ValidationError) as refused:
        services.attach_evidence(entry, by=personas.tom, upload=upload)

    assert refused.value.error_dict["evidence"][0].code == code
    assert not Evidence.objects.exists() and not trail(program).exists()


def test_the_entry_form_attaches_evidence_through_the_service(personas, program, client_for):
    response = client_for(personas.tom).post(
        reverse("ledger:entry_create", args=[program.slug]),
        {
            "kind": "ACTUAL",
            "category": "ECONOMIC",
            "source": "OWN_RESOURCES",
            "contributor": personas.coop.pk,
            "year": 2017,
            "valuation": "MONEY",
            "amount": "410.000",
            "evidence": pdf(),
        },
    )

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert str(evidence.entry.amount) == "410000.00"  # the dot groups thousands
    assert trail(program).get().data["evidence"] == evidence.pk
