"""Transparency and open data (DESIGN.md, "Transparency and open data").

What a public body publishes of its shared administration, read from the procedures, the
agreements and the ledger without changing them: the transparency pages and the art. 26–27
list (`transparency`), OCDS releases and records (`ocds`). Each part is a Django app of its own.
"""
