import ast
from pathlib import Path

from django.conf import settings

from trama.audit.labels import ACTION_LABELS


def _recorded_actions():
    """Every action name passed to record_event() anywhere in the code, or to the
    procedures' event() helper, which appends to a procedure's chain through it."""
    for path in (Path(settings.BASE_DIR) / "trama").rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") in ("record_event", "event")
            ):
                continue
            if len(node.args) < 2:
                continue
            for leaf in ast.walk(node.args[1]):
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                    yield leaf.value


def test_every_audited_act_has_a_readable_name():
    actions = set(_recorded_actions())
    assert "organization.created" in actions  # the scan itself works
    assert sorted(actions - set(ACTION_LABELS)) == []
