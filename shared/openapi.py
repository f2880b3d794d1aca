"""Honest OpenAPI documents: every service's document declares the problem+json answers its routes give.

FastAPI documents only the success answer and a 422 of its own shape (``HTTPValidationError``, as
``application/json``), while every EcoComply error is an RFC 9457 problem (``shared.problems``). Each
operation gets the problems it can answer with, from what the route is:

* 401 and 403 where it needs a bearer token (its ``security``);
* 404 where its path or an ``*_id`` parameter names an object, and on writes (a body may name one);
* 409 (a refused rule, a conflicting state), 413 (body too large) and 429 (write rate limit) on writes;
* 422 (naming the field in ``errors[].field``) where it takes parameters or a body.

A route's own declarations (e.g. 503, 410) are kept; an empty problem+json entry gets the schema.

Links (OpenAPI 3 ``links``): the 201 answer of a ``POST /v1/<things>`` links to every operation on
``/v1/<things>/{<param>}…`` — its ``<param>`` taken from the created object's field of that name, else its
``id`` — so a client (and the stateful fuzzing, tests/test_fuzz_api.py) can follow a created case to its
read, its steps and its decision.

Each operation that needs a bearer token names the roles it admits (``x-roles`` and a line of its
description), from the ``require_roles`` dependencies the route depends on; a route that takes any signed-in
caller at the door (the service checks role and scope against the object) says so — ``x-roles: ["any"]``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi

from shared.problems import PROBLEM_JSON
from shared.write_limit import WRITE_METHODS

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; ``code`` is stable, further members depend on it.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message", "code"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "code": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}
_REF = {"$ref": "#/components/schemas/Problem"}
_DESCRIPTIONS = {401: "Missing or invalid bearer token", 403: "Role or scope refused",
                 404: "No such object", 409: "Refused by a rule or the object's state",
                 413: "Body too large", 422: "Invalid input (errors[].field names it)",
                 429: "Too many writes"}


def _problems_for(method: str, path: str, op: dict[str, Any]) -> list[int]:
    write = method.upper() in WRITE_METHODS
    codes = []
    if op.get("security"):
        codes += [401, 403]
    names_object = any(p.get("name", "").endswith("_id") for p in op.get("parameters", []))
    if "{" in path or write or names_object:
        codes.append(404)
    if write:
        codes += [409, 413, 429]
    if op.get("parameters") or op.get("requestBody"):
        codes.append(422)
    return codes


def declare_problems(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the problem answers to every operation of ``doc`` (in place) and return it."""
    doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    schemas = doc["components"]["schemas"]
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            responses = op.setdefault("responses", {})
            for code in _problems_for(method, path, op):
                responses.setdefault(str(code), {"description": _DESCRIPTIONS[code]})
            for code, response in responses.items():
                if not code.startswith(("4", "5")):
                    continue
                content = response.setdefault("content", {})
                content.pop("application/json", None)  # FastAPI's HTTPValidationError: never what we send
                content[PROBLEM_JSON] = {"schema": _REF}
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(doc):
            schemas.pop(unused, None)
    return doc


ANY_SIGNED_IN = "any"


def _roles_of(dependant: Dependant) -> list[str]:
    """The roles of every ``require_roles`` the route depends on (directly or through other dependencies)."""
    found: list[str] = list(getattr(dependant.call, "roles", ()))
    for sub in dependant.dependencies:
        found += _roles_of(sub)
    return list(dict.fromkeys(found))


def declare_roles(doc: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Name in each authenticated operation of ``doc`` (in place) the roles it admits."""
    by_op = {(r.path_format, m.lower()): _roles_of(r.dependant) for r in routing.iter_route_contexts(routes)
             if isinstance(r.original_route, routing.APIRoute) for m in r.methods}
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            if not op.get("security"):
                continue
            roles = by_op.get((path, method)) or []
            op["x-roles"] = roles or [ANY_SIGNED_IN]
            line = (f"Roles admitted: {', '.join(roles)}." if roles
                    else "Roles admitted: any signed-in caller at the door; the service then checks the caller's role "
                         "and bureau or enterprise scope against the object (403 otherwise).")
            op["description"] = f"{op['description'].rstrip()}\n\n{line}" if op.get("description") else line
    return doc


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` (``/openapi.json``) return the document with its problems declared."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_roles(declare_problems(get_openapi(
                title=app.title, version=app.version, openapi_version=app.openapi_version,
                description=app.description, routes=app.routes, tags=app.openapi_tags,
                servers=app.servers)), app.routes)
            declare_links(app.openapi_schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _created_fields(doc: dict[str, Any], op: dict[str, Any]) -> set[str]:
    """The property names of an operation's 201 JSON answer (through one ``$ref``)."""
    schema = (op.get("responses", {}).get("201", {}).get("content", {}).get("application/json", {}).get("schema") or {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = doc.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    return set(schema.get("properties") or ())


def declare_links(doc: dict[str, Any]) -> dict[str, Any]:
    """Link each created object (``POST /v1/<things>`` → 201) to the operations on its own path."""
    paths = doc.get("paths", {})
    for source_path, ops in paths.items():
        create = ops.get("post")
        if create is None or "201" not in create.get("responses", {}) or "{" in source_path:
            continue
        fields = _created_fields(doc, create)
        links: dict[str, Any] = {}
        for target_path, target_ops in paths.items():
            prefix = source_path.rstrip("/") + "/{"
            if not target_path.startswith(prefix):
                continue
            param = target_path[len(prefix):].split("}", 1)[0]
            field = param if param in fields else "id" if "id" in fields else None
            if field is None or target_path.count("{") > 1:
                continue
            for target in target_ops.values():
                name = target.get("operationId")
                if name:
                    links[name] = {"operationId": name, "parameters": {param: f"$response.body#/{field}"}}
        if links:
            create["responses"]["201"]["links"] = links
    return doc
