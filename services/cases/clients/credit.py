"""What the cases service asks the credit service: the credit record notice and credit-repair
guidance of a penalised case (``GET /credit/v1/notices/{case_id}``), served with the decision."""

from __future__ import annotations

from typing import Any

from shared.http import ServiceClient
from shared.problems import Problem


async def notice(client: ServiceClient, case_id: str) -> dict[str, Any] | None:
    """The notice, or ``None`` while the credit service has no record for the case yet (it creates the
    record when it consumes ``case.decided.v1``)."""
    resp = await client.request("credit", "GET", f"/notices/{case_id}")
    if resp.status_code == 404:
        return None
    if resp.status_code >= 400:
        raise Problem(502, "dependency_error",
                      f"the credit service answered {resp.status_code} to GET /notices/{case_id}: {resp.text[:300]}",
                      dependency="credit")
    return resp.json()
