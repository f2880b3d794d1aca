"""What the cases service asks the checklist service (over HTTP; in-process in the embedded mode).

Reference data that changes only with a new list version (which guidance items exist, the 第三十二条
circumstance keys) is cached for at most ``REFERENCE_TTL`` seconds; a guidance item is refetched sooner,
once the checklist's ``item_published``/``item_retired`` event has been consumed (``services.cases.reference``).
An evaluation of a case's facts is asked every time; a decision asks everything it needs in one call
(``decision_context``). In the embedded mode the calls are answered in-process (``shared.inprocess``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.cases import reference
from shared import facts as fact_check
from shared.http import ServiceClient
from shared.problems import Problem, invalid
from shared.service import Runtime


async def _json(client: ServiceClient, method: str, path: str, **kw: Any) -> Any | None:
    resp = await client.request("checklist", method, path, **kw)
    if resp.status_code == 404:
        return None
    if resp.status_code >= 400:
        raise Problem(
            502, "dependency_error",
            f"the checklist service answered {resp.status_code} to {method} {path}: {resp.text[:300]}",
            dependency="checklist",
        )
    return resp.json()


REFERENCE_TTL = 300.0


async def guidance_item(rt: Runtime, code: str) -> dict[str, Any] | None:
    """The item's latest published version (cached), or None when the checklist has no published item ``code``."""
    client = rt.http
    assert client is not None
    generation = await reference.generation(rt)  # read before the fetch: an entry is never newer-tagged than its data
    return await client.cached(f"{reference.GUIDANCE_ITEM}{code}", REFERENCE_TTL,
                               lambda: _json(client, "GET", f"/guidance-items/{code}"), generation=generation)


async def fact_vocabulary(rt: Runtime) -> list[dict[str, Any]]:
    """事实词汇表 (``GET /facts``, cached like the guidance items: refetched once the checklist announces a
    changed item — a newly loaded 免罚清单 brings its condition keys — and at most ``REFERENCE_TTL`` old)."""
    client = rt.http
    assert client is not None
    generation = await reference.generation(rt)
    return await client.cached(reference.FACTS, REFERENCE_TTL, lambda: _json(client, "GET", "/facts"),
                               generation=generation) or []


async def check_facts(rt: Runtime, facts: dict[str, Any], *, field: str = "facts") -> None:
    """A 422 naming every fact key the vocabulary does not hold (with the nearest known keys) or value of the
    wrong type, before anything is written; no hop beyond the cached vocabulary."""
    if facts:
        fact_check.check(facts, await fact_vocabulary(rt), field=field)


async def known_facts(rt: Runtime, facts: dict[str, Any]) -> dict[str, Any]:
    """The facts whose keys the vocabulary holds: what the checklist is asked about (a key recorded before facts
    were checked at intake would make it answer 422; the gate itself still reads every recorded fact)."""
    known = {e["key"] for e in await fact_vocabulary(rt)}
    return {k: v for k, v in facts.items() if k in known}


async def require_guidance_items(rt: Runtime, codes: list[str]) -> None:
    for i, code in enumerate(codes):
        if await guidance_item(rt, code) is None:
            raise invalid(
                f"violations.{i}.code", f"unknown guidance item {code!r} (合规指导清单 has no such item)",
                code="unknown_violation",
            )


@dataclass(frozen=True)
class DecisionContext:
    """The checklist's one answer for a decision (``POST /decision-context``), read as the separate calls read
    theirs: ``no_penalty`` the item's evaluation on the decision date and, when asked, on the act date (None: no
    such item / not asked); ``calculations`` per violation ``(at_decision, why)`` and ``(at_act, why)`` (None: not
    asked — no act date, or the decision date itself), as ``calculate`` gives them; ``must`` the must items of
    every day asked, in date order, each once."""

    no_penalty: tuple[dict[str, Any] | None, dict[str, Any] | None]
    calculations: list[tuple[tuple[dict[str, Any] | None, str], tuple[dict[str, Any] | None, str] | None]]
    must: tuple[str, ...]


def _calculation(outcome: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    if outcome.get("calculation") is not None:
        return outcome["calculation"], ""
    return None, f"the checklist service answered {outcome.get('status')}: {outcome.get('detail')}"


async def decision_context(client: ServiceClient, facts: dict[str, Any], violation_codes: list[str], *,
                           bureau: str, on: date, act_on: date | None, no_penalty_item: str | None = None,
                           calculation: dict[str, Any] | None = None, must: bool = False) -> DecisionContext:
    """Everything a decision asks the checklist, in one call (``POST /checklist/v1/decision-context``):
    ``no_penalty_item`` evaluated on the true/false facts with the violations on ``on`` (and on ``act_on`` when
    it is not in force on ``on``); with ``calculation`` (``{facts, mitigation, act_dates}``) every violation's
    calculation on its true/false and numeric facts at ``on`` and at its act date; with ``must``, evaluate-all's
    ``must`` on ``on`` and ``act_on``."""
    body: dict[str, Any] = {"facts": {k: v for k, v in facts.items() if isinstance(v, bool)},
                            "violation_codes": violation_codes, "bureau": bureau, "on": on.isoformat(),
                            "act_on": act_on.isoformat() if act_on is not None else None, "must": must}
    if no_penalty_item is not None:
        body["no_penalty_item"] = no_penalty_item
    if calculation is not None:
        body["calculation"] = {
            "facts": {k: v for k, v in calculation["facts"].items() if isinstance(v, bool | int | float)},
            "mitigation": calculation.get("mitigation"),
            "act_dates": [d.isoformat() if d is not None else None for d in calculation.get("act_dates") or ()]}
    out = await _json(client, "POST", "/decision-context", json=body)
    if out is None:
        raise Problem(502, "dependency_error", "the checklist service does not answer POST /decision-context",
                      dependency="checklist")
    np = out.get("no_penalty") or {}
    found: list[str] = []
    for day in out.get("must") or ():
        found += [c for c in day.get("must") or () if c not in found]
    return DecisionContext(
        no_penalty=(np.get("at_decision"), np.get("at_act")),
        calculations=[(_calculation(c["at_decision"]), _calculation(c["at_act"]) if c.get("at_act") else None)
                      for c in out.get("calculations") or ()],
        must=tuple(found))


async def no_penalty_item(client: ServiceClient, code: str, version: int | None = None) -> dict[str, Any] | None:
    """The no-penalty item (``GET /no-penalty-items/{code}``, the version given): its words (``violation``) and the
    list it comes from (``source``), which the 不予行政处罚决定书 names."""
    params = {"version": version} if version is not None else None
    return await _json(client, "GET", f"/no-penalty-items/{code}", params=params)


ARTICLE_32 = "第三十二条"
RECTIFICATION_PLAN = "三（五）"


async def circumstance_keys(rt: Runtime, *, bureau: str) -> dict[str, Any]:
    """``GET /circumstances?bureau=`` sorted for the decision gate: the 第三十二条 keys, the compliance-rectification
    key (试点方案 三（五）) and the aggravating keys of the rule set the case's bureau uses (cached under the
    reference generation, like the guidance items, and at most ``REFERENCE_TTL`` old)."""
    client = rt.http
    assert client is not None
    generation = await reference.generation(rt)
    items = await client.cached(f"{reference.CIRCUMSTANCES}{bureau}", REFERENCE_TTL, lambda: _json(
        client, "GET", "/circumstances", params={"bureau": bureau}), generation=generation) or []
    art32 = frozenset(c["key"] for c in items if c.get("kind") == "mitigating" and ARTICLE_32 in str(c.get("article")))
    rect = next((c["key"] for c in items if RECTIFICATION_PLAN in str(c.get("article"))), "compliance_rectification_passed")
    aggravating = frozenset(c["key"] for c in items if c.get("kind") == "aggravating")
    return {"article_32": art32, "rectification_key": rect, "aggravating": aggravating}


async def calculate(
    client: ServiceClient, violation_code: str, facts: dict[str, Any], *, mitigation: str | None = None,
    bureau: str | None = None, on: str | None = None,
) -> tuple[dict[str, Any] | None, str]:
    """裁量计算 — ``POST /discretion/calculate`` (API.md): the fine range for the violation on these facts,
    with the rule version. ``(None, why)`` when the checklist service has no calculation for it."""
    body: dict[str, Any] = {"violation_code": violation_code,
                            "facts": {k: v for k, v in facts.items() if isinstance(v, bool | int | float)}}
    for k, v in (("mitigation", mitigation), ("bureau", bureau), ("on", on)):
        if v is not None:
            body[k] = v
    resp = await client.request("checklist", "POST", "/discretion/calculate", json=body)
    if resp.status_code in (404, 405, 409, 422):
        try:
            why = resp.json().get("detail") or resp.text[:300]
        except ValueError:
            why = resp.text[:300]
        return None, f"the checklist service answered {resp.status_code}: {why}"
    if resp.status_code >= 400:
        raise Problem(502, "dependency_error",
                      f"the checklist service answered {resp.status_code} to POST /discretion/calculate: {resp.text[:300]}",
                      dependency="checklist")
    return resp.json(), ""


async def item_title(rt: Runtime, code: str) -> str | None:
    """The guidance item's title (reference data, cached); None when the checklist does not answer."""
    try:
        item = await guidance_item(rt, code)
    except Problem:
        return None
    return (item or {}).get("title")
