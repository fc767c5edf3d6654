"""Bulk import of a program's ledger from a spreadsheet (XLSX or CSV), one concern a module.

- `columns`: the file's columns, as documented on the upload page and in the templates;
- `reading`: what the bytes are, the header, the rows one at a time;
- `run`: the import itself, dry run or real, all rows or none (`run_import`);
- `templates`: the downloadable CSV and XLSX templates;
- `forms`: the wizard's upload form;
- `jobs`: the wizard's background check and run, their state kept on the `ImportBatch` row.
"""
