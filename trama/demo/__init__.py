"""Demo data: the Lecco reference case, an open call and one account per persona.

Loaded by `manage.py load_demo` (demo mode only), which `make run` calls; it lives beside the
apps because it is tooling, not the product.
"""
