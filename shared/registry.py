"""Names for the codes and login ids the pages would otherwise show (issue 24 item 5): the bureaus' names from
the cases service's registry of enforcement bodies (``GET /cases/v1/bureaus``) and the officers' names from
its officers register (``GET /cases/v1/officers``, 第四十二条 持证上岗) — read over ``ServiceClient`` with the
calling service's own token, cached for a minute. The portal and the audit service's dashboard both read them
here; neither imports the cases service."""

from __future__ import annotations

from typing import Any

from shared.bureaus import BUREAU_NAMES
from shared.http import ServiceClient
from shared.problems import Problem

TTL = 60.0  # seconds: a renamed bureau or a newly registered officer shows within a minute
UNREGISTERED_OFFICER = "未登记的执法人员"
UNREGISTERED_REVIEWER = "未登记的审核人员"


async def _read(http: ServiceClient | None, path: str) -> list[dict[str, Any]] | None:
    if http is None:
        return None
    try:
        r = await http.request("cases", "GET", path)
    except Problem:  # the cases service did not answer: the page still renders, with the fallbacks
        return None
    return r.json() if r.status_code == 200 and isinstance(r.json(), list) else None


async def bureau_names(http: ServiceClient | None) -> dict[str, str]:
    """Code → full name: the registry's; the seeded example names (``shared.bureaus``) only for the codes the
    registry has none for (or when it cannot be read)."""
    rows = await http.cached("registry:bureaus", TTL, lambda: _read(http, "/bureaus")) if http else None
    return {**BUREAU_NAMES, **{b["code"]: b["name"] for b in rows or [] if b.get("name")}}


async def officer_names(http: ServiceClient | None) -> dict[str, str]:
    """Login id (``sub``) → the registered name of each officer on the register."""
    rows = await http.cached("registry:officers", TTL, lambda: _read(http, "/officers")) if http else None
    return {o["sub"]: o["name"] for o in rows or [] if o.get("name")}


def person(sub: str | None, names: dict[str, str], missing: str = UNREGISTERED_OFFICER) -> str:
    """A person as a reader sees them: the registered name, never the login id ("系统自动" for the system).
    A name that is the login id itself (registered without a real name) counts as missing."""
    if not sub:
        return "—"
    if sub == "system":
        return "系统自动"
    name = names.get(sub)
    return name if name and name != sub else missing
