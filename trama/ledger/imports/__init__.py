"""Bulk import of a program's ledger from a spreadsheet (XLSX or CSV)."""

from .run import *  # noqa: F403
from .run import (  # noqa: F401
    CHUNK,
    MAX_FILE_SIZE,
    MAX_ROWS,
    ImportUploadForm,
    Job,
    check_file,
    columns,
    open_sheet,
    parse_number,
    run_import,
    start_check,
    start_run,
    template_csv,
    template_xlsx,
)
