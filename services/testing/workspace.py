"""Signing a test's person in to the workspace without the sign-in form (the form itself is tested in
tests/workspace/test_sign_in*.py): a session opened as the workspace app opens one after a sign-in, and the
cookie a browser would then hold."""

from __future__ import annotations

from typing import Any

from services.workspace import session as ws_session


async def open_session(stack: Any, sub: str, *roles: str, name: str, bureau: str | None = None) -> str:
    """A live workspace session for ``sub`` (its value, as the browser's cookie holds it)."""
    r = await stack.client.post("/audit/v1/workspace/sessions", headers=stack.auth("service:workspace", "service"),
                                json={"sub": sub, "name": name, "roles": list(roles), "bureau": bureau, "via": "local"})
    assert r.status_code == 201, r.text
    return r.json()["session"]


async def signed_in(stack: Any, sub: str, *roles: str, name: str, bureau: str | None = None) -> dict[str, str]:
    """The request headers of a browser signed in as ``sub`` (its session cookie), for ``stack.client`` requests."""
    return cookie_header(await open_session(stack, sub, *roles, name=name, bureau=bureau))


def cookie_header(session_value: str) -> dict[str, str]:
    return {"Cookie": f"{ws_session.COOKIE}={session_value}"}


async def sign_in_browser(context: Any, base: str, stack: Any, sub: str, *roles: str, name: str,
                          bureau: str | None = None) -> None:
    """Put a live session's cookie into a Playwright browser context for ``base``."""
    value = await open_session(stack, sub, *roles, name=name, bureau=bureau)
    await context.add_cookies([{"name": ws_session.COOKIE, "value": value, "url": base + ws_session.PATH + "/"}])


async def add_account(stack: Any, username: str, name: str, *roles: str, password: str,
                      bureau: str | None = None) -> None:
    """A local workspace account, as ``ecocomply users add`` creates one (the command is tested itself)."""
    from services.audit.workspace import accounts

    rt = stack.runtimes["audit"]
    async with rt.sessionmaker() as session, session.begin():
        await accounts.create(session, username=username, name=name, roles=list(roles), bureau=bureau,
                              password=password, now=rt.clock.now())


def browser(stack: Any) -> Any:
    """A client of its own (its own cookie jar, like a browser), on the stack's app."""
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.comp.root), base_url="http://testserver")


async def sign_in_form(client: Any, username: str, password: str, next_path: str = "/workspace/") -> Any:
    """Sign in as a person does: the form fetched (its double-submit value in a cookie and a hidden field),
    then posted. Returns the answer to the post."""
    import re

    page = await client.get("/workspace/login", params={"next": next_path})
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    return await client.post("/workspace/login", data={"csrf": csrf.group(1), "username": username,
                                                       "password": password, "next": next_path})
