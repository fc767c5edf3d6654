"""API completeness: every act a page can do is available in the API, through the same service.

The test reads the code, it does not run it. It walks every views module of the project
(`views.py`, `views_*.py`, `views/` packages; not the API's) and collects the service
functions (functions of a `services` module or package) called by the views that handle a
POST (the acts; `require_POST`, `require_http_methods([... "POST" ...])`, a
`request.method == "POST"` branch, `request.POST`, or a class view's `post`), following
the module's own helper functions they call. It does the same for every module of the API,
where every call counts. A service that a page calls and no API operation does fails the
test, unless it is in EXCEPTIONS with its reason.

Services are named by where they are defined (`module.function`), so a view that imports
`from .services import signing` and an API module that imports
`from trama.agreements.services import signing` name the same function.
"""

import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path

import trama

ROOT = Path(trama.__file__).parent
API = ROOT / "api"

# Acts that only a page does, each with why. By design: community moderation and what only a
# browser does (platform staff act in the admin, which is not walked). "API operation not
# written yet" is a debt, not a design: those are the next operations to write, and each
# one written must leave this list (test_it_lists_only_acts_that_pages_do checks it).
EXCEPTIONS: dict[str, str] = {
    "trama.accounts.services.create_api_token": "browser-only: made after login, so a token cannot mint tokens",
    "trama.accounts.services.delete_account": "browser-only: one closes one's account logged in, not by token",
    "trama.accounts.services.revoke_api_token": "browser-only: managed where tokens are made",
    "trama.community.discussions.services.approve_post": "community moderation act",
    "trama.community.discussions.services.ban_member": "community moderation act",
    "trama.community.discussions.services.dismiss_report": "community moderation act",
    "trama.community.discussions.services.lock_thread": "community moderation act",
    "trama.community.discussions.services.move_thread": "community moderation act",
    "trama.community.discussions.services.pin_thread": "community moderation act",
    "trama.community.discussions.services.retitle_thread": "community moderation act",
    "trama.community.practices.services.hide_comment": "community moderation act",
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_service_module(name: str) -> bool:
    return "services" in name.split(".")


def _resolve_from(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    # A module's package is its name minus the last part (a package's own __init__ is
    # named by the package, see _module_name, and is treated the same way here).
    base = base[: len(base) - node.level]
    return ".".join(base + ([node.module] if node.module else []))


def _imported_names(module: str, tree: ast.Module) -> dict[str, object]:
    """Local name → the service module or service function it stands for."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_service_module(alias.name) and alias.asname:
                    names[alias.asname] = importlib.import_module(alias.name)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve_from(module, node)
            for alias in node.names:
                local = alias.asname or alias.name
                full = f"{source}.{alias.name}"
                if _is_service_module(full):
                    try:
                        names[local] = importlib.import_module(full)
                        continue
                    except ModuleNotFoundError:
                        pass
                if _is_service_module(source):
                    names[local] = getattr(importlib.import_module(source), alias.name)
    return names


def _dotted(node: ast.expr) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _service_called(call: ast.Call, names: dict) -> str | None:
    dotted = _dotted(call.func)
    if not dotted or dotted[0] not in names:
        return None
    target = names[dotted[0]]
    for attr in dotted[1:]:
        target = getattr(target, attr, None)
    if not inspect.isfunction(target) or not _is_service_module(target.__module__):
        return None
    return f"{target.__module__}.{target.__qualname__}"


def _handles_post(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if func.name == "post":
        return True
    for decorator in func.decorator_list:
        dotted = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if dotted and dotted[-1] == "require_POST":
            return True
        if dotted and dotted[-1] == "require_http_methods" and "POST" in ast.dump(decorator):
            return True
    for node in ast.walk(func):
        if isinstance(node, ast.Attribute) and node.attr == "POST":
            return True
        if (
            isinstance(node, ast.Compare)
            and "POST" in ast.dump(node)
            and "method" in ast.dump(node)
        ):
            return True
    return False


def _calls(tree: ast.Module, names: dict, only_post: bool) -> dict[str, set[str]]:
    """Service → the functions of this module that call it (directly or through helpers)."""
    functions = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.setdefault(node.name, node)

    def reached(func, seen):
        services = set()
        for node in ast.walk(func):
            if not isinstance(node, ast.Call):
                continue
            service = _service_called(node, names)
            if service:
                services.add(service)
            elif isinstance(node.func, ast.Name) and node.func.id in functions:
                helper = functions[node.func.id]
                if helper.name not in seen:
                    seen.add(helper.name)
                    services |= reached(helper, seen)
        return services

    found = {}
    for func in functions.values():
        if only_post and not _handles_post(func):
            continue
        for service in reached(func, {func.name}):
            found.setdefault(service, set()).add(func.name)
    return found


def _scan(paths, only_post):
    found = {}
    for path in paths:
        module = _module_name(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        names = _imported_names(module, tree)
        for service, callers in _calls(tree, names, only_post).items():
            found.setdefault(service, set()).update(f"{module}.{c}" for c in callers)
    return found


def view_modules():
    paths = set(ROOT.rglob("views.py")) | set(ROOT.rglob("views_*.py"))
    for package in ROOT.rglob("views"):
        if package.is_dir():
            paths |= set(package.rglob("*.py"))
    return sorted(p for p in paths if API not in p.parents and "tests" not in p.parts)


WRITES = re.compile(
    r"atomic\(|\.save\(|\.create\(|\.delete\(|\.update\(|bulk_create|get_or_create"
    r"|update_or_create|\.enqueue\("
)


def _writes(func, seen) -> bool:
    """Whether a function writes, itself or through the project's functions it calls."""
    source = inspect.getsource(func)
    if WRITES.search(source):
        return True
    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        dotted = _dotted(node.func) if isinstance(node, ast.Call) else None
        if not dotted or dotted[0] not in func.__globals__:
            continue
        target = func.__globals__[dotted[0]]
        for attr in dotted[1:]:
            target = getattr(target, attr, None)
        if (
            inspect.isfunction(target)
            and target.__module__.startswith("trama.")
            and target not in seen
        ):
            seen.add(target)
            if _writes(target, seen):
                return True
    return False


def _function(service: str):
    module, name = service.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def page_acts():
    """The services that pages call to act: those that write, themselves or through what they
    call. A read is not an act, nor a `check_*` validation (the API's act runs it itself)."""
    found = _scan(view_modules(), only_post=True)
    return {
        s: views
        for s, views in found.items()
        if not s.rsplit(".", 1)[1].startswith("check_") and _writes(_function(s), set())
    }


def api_acts():
    return _scan(sorted(p for p in API.glob("*.py")), only_post=False)


def test_it_offers_every_page_act_in_the_api():
    pages, api = page_acts(), api_acts()
    missing = sorted(set(pages) - set(api) - set(EXCEPTIONS))
    assert not missing, "Acts that a page does and no API operation does:\n" + "\n".join(
        f"  {service}  (by {', '.join(sorted(pages[service]))})" for service in missing
    )


def test_it_lists_only_acts_that_pages_do():
    """An exception for a service no page calls any more, or that the API now offers, goes."""
    pages, api = page_acts(), api_acts()
    stale = sorted(s for s in EXCEPTIONS if s not in pages or s in api)
    assert not stale, f"Exceptions to remove: {stale}"


def test_it_sees_the_acts_it_must_compare():
    """The walk finds known acts on both sides, so an empty comparison cannot pass."""
    pages, api = page_acts(), api_acts()
    known = "trama.agreements.services.signing.sign_agreement"
    assert any(s.startswith("trama.procedures.services.") for s in pages)
    assert any(s.startswith("trama.procedures.services.") for s in api)
    assert len(pages) > 20
    assert known in pages or any(".signing." in s for s in pages)
