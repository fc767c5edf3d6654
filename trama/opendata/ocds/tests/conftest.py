# The procedures' fixtures: a published call (Alice, the Comune di Lecco) and its bodies.
from trama.procedures.tests.conftest import bodies, call  # noqa: F401
