"""OCDS 1.1: releases of every published act, records per procedure, packages and bulk files."""
