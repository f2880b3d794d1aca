"""Each OpenAPI operation names the roles it admits (README item 7, issue 24): every operation that needs a bearer
token carries ``x-roles`` and a "Roles admitted" line in its description — from the ``require_roles`` the route
depends on (``shared/openapi.py``), so the document cannot drift from the check the route makes."""

from __future__ import annotations

from shared.auth import ROLES
from shared.config import SERVICES
from shared.openapi import ANY_SIGNED_IN


async def _docs(stack) -> dict[str, dict]:
    docs = {}
    for name in SERVICES:
        r = await stack.client.get(f"/{name}/openapi.json")
        assert r.status_code == 200, (name, r.status_code)
        docs[name] = r.json()
    return docs


async def test_every_authenticated_operation_names_the_roles_it_admits(stack):
    docs = await _docs(stack)
    missing, authenticated = [], 0
    for name, doc in docs.items():
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                if not op.get("security"):
                    assert "x-roles" not in op, f"{method.upper()} {path}: a public read names no roles"
                    continue
                authenticated += 1
                roles = op.get("x-roles") or []
                if not roles or not set(roles) <= {*ROLES, ANY_SIGNED_IN} or "Roles admitted:" not in op.get("description", ""):
                    missing.append(f"{name}: {method.upper()} {path} {roles}")
    assert authenticated > 50 and not missing, missing

    # The roles are the route's own check: the register of bureaus is written by admins only, read by staff and
    # by the other services (the portal and the dashboard show the bureaus' names).
    bureaus = docs["cases"]["paths"]["/v1/bureaus"] if "/v1/bureaus" in docs["cases"]["paths"] else \
        docs["cases"]["paths"]["/cases/v1/bureaus"]
    assert bureaus["post"]["x-roles"] == ["admin"]
    assert "Roles admitted: admin." in bureaus["post"]["description"]
    assert "service" in bureaus["get"]["x-roles"] and "enterprise" not in bureaus["get"]["x-roles"]
