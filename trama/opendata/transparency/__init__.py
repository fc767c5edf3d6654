"""Amministrazione condivisa — trasparenza: each public body's acts, agreements and figures,
the art. 26–27 list (D.Lgs. 33/2013) with its downloads, and Atom feeds of calls, outcomes
and agreements. Read-only: it reads the procedures, the agreements and the ledger."""
