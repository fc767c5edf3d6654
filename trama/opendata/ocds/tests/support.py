"""The official validator, offline, and a procedure that went from call to completion.

`validate` runs libcoveocds against the OCDS 1.1.5 schema in ../shared/data/ocds (never a
copy) and serves the budget-breakdown extension's files from there at the extension's
public URL with `responses`: the registry downloads a GitHub-hosted extension as the
repository's archive, so the files are served as that archive.
"""

import datetime
import io
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import responses
from django.conf import settings
from django.utils import timezone
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig

from trama.agreements.models import Payment, Report
from trama.agreements.tests.support_coproduction import signed_agreement
from trama.ledger.services import record_entry, reverse_entry
from trama.procedures.models import CallBudget, Procedure, Proposal

SHARED = Path(settings.BASE_DIR).parent / "shared" / "data" / "ocds"
STANDARD = SHARED / "standard-1__1__5.zip"
EXTENSION = SHARED / "budget_breakdown"
SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/"
ARCHIVE = (
    "https://github.com/open-contracting-extensions/ocds_budget_breakdown_extension/"
    "archive/master.zip"
)


def _extension_archive() -> bytes:
    buffer = io.BytesIO()
    top = "ocds_budget_breakdown_extension-master/"
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(top, b"")  # the registry reads the first entry as the top folder
        for path in sorted(EXTENSION.rglob("*")):
            if path.is_file():
                archive.writestr(top + path.relative_to(EXTENSION).as_posix(), path.read_bytes())
    return buffer.getvalue()


def _schema_files():
    """The standard's schema files from the zip, by the URLs that schemas refer to them by."""
    with zipfile.ZipFile(STANDARD) as standard:
        for name in standard.namelist():
            folder, _slash, base = name.rpartition("/schema/")
            if base.endswith(".json") and "/" not in base:
                yield f"{SCHEMA_URL}{base}", standard.read(name)


def validate(package: dict) -> dict:
    """What libcoveocds finds in a package: the four findings a valid package has empty."""
    config = LibCoveOCDSConfig({"standard_zip": STANDARD.resolve().as_uri(), "context": "api"})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as served:
        served.get(ARCHIVE, body=_extension_archive())
        # A record package's schema refers to the versioned release schema by URL.
        for url, body in _schema_files():
            served.get(url, body=body)
        with tempfile.TemporaryDirectory() as scratch:
            result = ocds_json_output(
                scratch, None, "1.1", json_data=package, lib_cove_ocds_config=config
            )
    extensions = result.get("extensions") or {}
    return {
        "validation_errors": result["validation_errors"],
        "additional_closed_codelist_values": result["additional_closed_codelist_values"],
        "additional_fields": result["additional_fields"],
        "invalid_extension": result.get("invalid_extension")
        or extensions.get("invalid_extension")
        or {},
    }


CLEAN = {
    "validation_errors": [],
    "additional_closed_codelist_values": {},
    "additional_fields": [],
    "invalid_extension": {},
}


def completed_procedure(personas):
    """Alice's co-design, from call to completion (support_coproduction's agreement).

    Ledger pledges (hand-computed): Comune PUBLIC_OWNER 30.000,00; Consorzio OWN_RESOURCES
    8.000,00; Cooperativa OWN_RESOURCES 4.000,00 reversed and pledged again as 3.500,00;
    Cooperativa FOUNDATION_GRANT 6.000,00 from the Fondazione del Lario. Public budget of
    the call: 20.000,00 in 2018 and 10.000,00 in 2019. Paid: the 10.000,00 advance. The
    first report accepted.
    """
    cp = signed_agreement(personas)
    procedure = cp.procedure
    CallBudget.objects.create(procedure=procedure, year=2018, amount=Decimal("20000.00"))
    CallBudget.objects.create(procedure=procedure, year=2019, amount=Decimal("10000.00"))
    procedure.deadline = procedure.published_at + datetime.timedelta(days=30)
    procedure.save(update_fields=["deadline"])
    Proposal.objects.create(
        procedure=procedure,
        lead=personas.consortium,
        title="Titolo della proposta",
        state=Proposal.State.SELECTED,
        created_by=personas.tom,
        submitted_at=procedure.published_at,
        total_score=Decimal("82.00"),
        rank=1,
    )
    common = {"program": cp.program, "procedure": procedure, "check_permission": False}
    coop_own = procedure.entries.get(contributor=personas.coop, source="OWN_RESOURCES")
    reverse_entry(coop_own, by=personas.alice, reason="Impegno rivisto", check_permission=False)
    for contributor, source, amount, extra in (
        (personas.coop, "OWN_RESOURCES", "3500.00", {}),
        (personas.coop, "FOUNDATION_GRANT", "6000.00", {"funder": personas.foundation}),
    ):
        record_entry(
            by=personas.tom,
            contributor=contributor,
            kind="PLEDGE",
            source=source,
            category="PROJECT",
            year=2018,
            amount=amount,
            description="Convenzione",
            **common,
            **extra,
        )
    paid = record_entry(
        by=personas.alice,
        contributor=personas.comune,
        kind="ACTUAL",
        source="PUBLIC_OWNER",
        category="ECONOMIC",
        year=2018,
        amount="10000.00",
        description="Mandato anticipo",
        **common,
    )
    Payment.objects.create(
        tranche=cp.advance,
        paid_on=datetime.date(2018, 1, 20),
        amount=cp.advance.amount,
        order_number="M-1",
        entry=paid,
        recorded_by=personas.alice,
    )
    now = timezone.now()
    Report.objects.create(
        agreement=cp.agreement,
        period=cp.first,
        state=Report.State.ACCEPTED,
        public_summary="Laboratori nei quartieri",
        submitted_at=now,
        submitted_by=personas.tom,
        decided_at=now,
        decided_by=personas.alice,
    )
    cp.agreement.completed_at = now
    cp.agreement.save(update_fields=["completed_at"])
    procedure.state = Procedure.State.COMPLETED
    procedure.save(update_fields=["state"])
    return cp
