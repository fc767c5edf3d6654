"""The upload wizard's background work: the check, then the run, their state on the batch row.

An upload becomes an `ImportBatch` in CHECKING that keeps the file; a task dry-runs it
(CHECKED, with the report); the officer starts the run (RUNNING) and a task imports it (DONE,
or FAILED with the report). The review page polls the row. Both steps are tasks so that a
long file does not hold a web request.

The tasks are enqueued at once, not on commit: the pages call these functions outside any
transaction, so the row a task reads is committed before it is enqueued.
"""

import datetime
import hashlib
import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trama.programs.access import OWNER, access_program
from trama.programs.models import Program

from ..models import ImportBatch
from .reading import FileProblem, extension_of
from .run import Report, run_import

logger = logging.getLogger(__name__)

Status = ImportBatch.Status
# An upload not imported within this time is forgotten, its file with it.
KEEP = datetime.timedelta(days=2)
REPORT_FIELDS = ["status", "rows", "created", "skipped", "bad", "errors", "file_error", "progress"]


def start_import(program: Program, *, by, data: bytes, file_name: str) -> ImportBatch:
    """Keep an uploaded file as a new batch of the program and start checking it."""
    access_program(by, program.slug, need=OWNER)
    forget_abandoned()
    batch = ImportBatch(
        program=program,
        by=by,
        file_name=Path(file_name).name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        status=Status.CHECKING,
        language=_language(),
    )
    # Stored under a random name: the person's file name is only shown.
    stored_name = f"{secrets.token_urlsafe(16)}.{extension_of(file_name)}"
    batch.file.save(stored_name, ContentFile(data), save=False)
    batch.save()
    check_upload.enqueue(batch.pk)
    return batch


def start_run(batch: ImportBatch, *, by) -> bool:
    """Start the real import of a checked batch; False when it may not (e.g. a second click)."""
    access_program(by, batch.program.slug, need=OWNER)
    with transaction.atomic():
        # Two clicks race here: the second waits for the first's lock, then sees RUNNING.
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not locked.can_run:
            return False
        locked.status, locked.progress, locked.by = Status.RUNNING, 0, by
        locked.language = _language()
        locked.save(update_fields=["status", "progress", "by", "language"])
    run_upload.enqueue(batch.pk)
    return True


def forget_abandoned() -> None:
    """Forget the uploads that were not imported within two days, and their files."""
    abandoned = ImportBatch.objects.filter(
        created_at__lt=timezone.now() - KEEP,
        status__in=[Status.CHECKING, Status.CHECKED, Status.FAILED],
    )
    for batch in abandoned:
        if batch.file:
            batch.file.delete(save=False)
    abandoned.delete()


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _read_file(batch: ImportBatch) -> bytes:
    try:
        with batch.file.open("rb") as upload:
            data = upload.read()
    except (OSError, ValueError):
        raise FileProblem(
            _("The uploaded file is no longer on the server; upload it again.")
        ) from None
    if hashlib.sha256(data).hexdigest() != batch.file_sha256:
        raise FileProblem(_("The uploaded file changed on the server; upload it again."))
    return data


def _perform(batch_id: int, *, dry_run: bool) -> None:
    waiting = Status.CHECKING if dry_run else Status.RUNNING
    batch = ImportBatch.objects.select_related("by").filter(pk=batch_id, status=waiting).first()
    if batch is None:
        return  # forgotten meanwhile, or a task delivered twice
    with translation.override(batch.language or settings.LANGUAGE_CODE):
        report = Report()
        try:
            program = Program.objects.with_territory().get(pk=batch.program_id)
            # run_import checks the owner's access again: it may have changed since the page.
            report = run_import(
                program,
                by=batch.by,
                data=_read_file(batch),
                file_name=batch.file_name,
                dry_run=dry_run,
                batch=batch,
                progress=lambda done: ImportBatch.objects.filter(pk=batch_id).update(progress=done),
            )
        except FileProblem as exc:
            report.file_error = exc.message
        except PermissionDenied as exc:
            report.file_error = str(exc)
        except Exception:
            logger.exception("import batch %s failed", batch_id)
            report.file_error = _("The import stopped because of an error on our side.")
    _store(batch, report, dry_run=dry_run)


def _store(batch: ImportBatch, report: Report, *, dry_run: bool) -> None:
    """Write a check's or a run's report on the batch; drop the file once no run can use it."""
    if dry_run:
        batch.status = Status.CHECKED
    else:
        batch.status = Status.DONE if report.ok else Status.FAILED
    batch.rows, batch.created, batch.skipped = report.rows, report.new, report.skipped
    batch.bad, batch.errors, batch.file_error = report.bad, report.errors, report.file_error
    batch.progress = report.rows
    fields = list(REPORT_FIELDS)
    if batch.file and not batch.can_run:
        batch.file.delete(save=False)
        fields.append("file")
    batch.save(update_fields=fields)


@task
def check_upload(batch_id: int) -> None:
    """Dry run of an uploaded file: its report is stored on the batch."""
    _perform(batch_id, dry_run=True)


@task
def run_upload(batch_id: int) -> None:
    """Real import of an uploaded, checked file."""
    _perform(batch_id, dry_run=False)
