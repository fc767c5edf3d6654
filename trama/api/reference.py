"""The API reference as a page of the site, read from the OpenAPI document itself.

django-ninja's Swagger UI had no header of Trama's and failed axe (buttons nested in buttons,
low contrast, no language); this renders the same document as plain HTML in the site's
layout, with no script, so it stays current with the code and readable by everyone.
"""

import re

from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from ninja.openapi.docs import DocsBase

GROUPS = {
    "organizations": _("Organisations"),
    "account": _("Your account"),
    "territories": _("Territories"),
    "ledger": _("Programs and the resource ledger"),
    "procedures": _("Calls and proposals"),
}
PUBLIC, READ, WRITE = "public", "read", "write"
_CODE = re.compile(r"`([^`]+)`")


def text(value) -> str:
    """Description text with `code` marks as <code>, everything else escaped."""
    return mark_safe(_CODE.sub(r"<code>\1</code>", escape(value or "")))  # noqa: S308


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict) -> str:
    """A short reading of a JSON schema: `string`, `integer | null`, `EntryOut[]`…"""
    if not schema:
        return ""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "anyOf" in schema:
        return " | ".join(type_of(option) for option in schema["anyOf"])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return type_of(schema["allOf"][0])
    kind = schema.get("type", "")
    if kind == "array":
        return f"{type_of(schema.get('items', {}))}[]"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind


def _enum(schema: dict) -> list:
    if "enum" in schema:
        return schema["enum"]
    for option in schema.get("anyOf", []):
        if "enum" in option:
            return option["enum"]
    return []


def _field(name, schema, required) -> dict:
    return {
        "name": name,
        "type": type_of(schema),
        "required": required,
        "values": _enum(schema),
        "description": text(schema.get("description", "")),
    }


def _body_fields(operation: dict, components: dict) -> tuple[str, list]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" not in schema:
        return "", []
    name = _ref_name(schema["$ref"])
    body = components.get(name, {})
    required = set(body.get("required", []))
    return name, [
        _field(field, spec, field in required) for field, spec in body.get("properties", {}).items()
    ]


def _write_operations(api) -> set[str]:
    """Operation ids whose token must have the write scope (TokenAuth(write=True))."""
    found = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if any(getattr(check, "write", False) for check in operation.auth_callbacks):
                    found.add(operation.operation_id or api.get_openapi_operation_id(operation))
    return found


def _access(operation: dict, writes: set[str]) -> str:
    security = operation.get("security") or []
    if not security or {} in security:
        return PUBLIC
    return WRITE if operation.get("operationId") in writes else READ


def reference(api, schema: dict) -> list[dict]:
    """The operations of the document, grouped as the document tags them."""
    components = schema.get("components", {}).get("schemas", {})
    writes = _write_operations(api)
    groups: dict[str, list] = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body_name, body = _body_fields(operation, components)
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(
                {
                    "id": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": text(operation.get("description", "")),
                    "access": _access(operation, writes),
                    "parameters": [
                        {
                            **_field(p["name"], p.get("schema", {}), p.get("required", False)),
                            "where": p["in"],
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body_name": body_name,
                    "body": body,
                    "responses": [
                        (status, text(response.get("description", "")))
                        for status, response in operation.get("responses", {}).items()
                    ],
                }
            )
    return [
        {"tag": tag, "title": GROUPS.get(tag, tag), "operations": operations}
        for tag, operations in groups.items()
    ]


class Reference(DocsBase):
    """The docs page of the API (docs_url): the reference in the site's layout."""

    def render_page(self, request, api, **kwargs):
        schema = api.get_openapi_schema(path_params=kwargs)
        return render(
            request,
            "api/reference.html",
            {
                "groups": reference(api, schema),
                "description": text(schema["info"].get("description", "")),
                "openapi_url": self.get_openapi_url(api, kwargs),
                "version": schema["info"].get("version", ""),
            },
        )
