"""The nightly rebuild of the OCDS bulk files (enqueued by django-crontask)."""

from crontask import cron
from django.tasks import task

from . import bulk


@cron("45 2 * * *")
@task
def rebuild_ocds_bulk_files() -> dict:
    """Every year's releases as JSON Lines and zip, in the project's storage."""
    return {str(year): count for year, count in bulk.rebuild().items()}
