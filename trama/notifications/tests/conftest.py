# The procedures' scenario (bodies in RUNTS, a published call) serves these tests too.
from trama.procedures.tests.conftest import bodies, call  # noqa: F401
