"""HTTP for 裁量基准: the calculator, the rule sets, each bureau's choice and the circumstances of
《行政处罚法》第三十二条 (thin; each handler in the request's unit of work)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.checklist.discretion import service
from services.checklist.discretion.rule_sets import RuleSet, catalog
from services.checklist.discretion.schemas import (
    BureauSetting,
    BureauSettingIn,
    CalculateRequest,
    Calculation,
    Circumstance,
    RuleSetRef,
)
from shared.auth import CurrentUser, Principal, require_roles
from shared.problems import not_found
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter(tags=["discretion"])
Bureau = Annotated[str, Path(min_length=1, max_length=20)]


@router.post("/discretion/calculate", response_model=Calculation)
async def calculate(session: DbSession, user: CurrentUser, body: CalculateRequest) -> Calculation:
    """The fine range and recommendation for a violation under the bureau's rule set. Statutory
    minimum/maximum are never crossed except 减轻 with a 《行政处罚法》第三十二条 circumstance named."""
    result, rs, chosen_by, used = await service.calculate_fine(
        session,
        violation_code=body.violation_code,
        facts=body.facts,
        mitigation=body.mitigation,
        bureau=body.bureau or user.bureau,
        rule_set=body.rule_set,
        item_version=body.item_version,
        on=body.on,
    )
    return service.calculation_out(result, rs, chosen_by, used)


def _ref(rs: RuleSet, chosen_by: str) -> RuleSetRef:
    return RuleSetRef(
        name=rs.name, version=rs.version, title=rs.title, method=rs.method, status=rs.status,
        source=rs.source, verified=rs.verified, chosen_by=chosen_by,
    )


def _describe(rs: RuleSet) -> dict[str, Any]:
    return {
        **_ref(rs, "").model_dump(exclude={"chosen_by"}),
        "rule_version": rs.rule_version,
        "effective_from": rs.effective_from,
        "effective_to": rs.effective_to,
        "settings": rs.settings,
        "definition": rs.raw,
    }


@router.get("/discretion/rule-sets")
async def list_rule_sets(_user: CurrentUser) -> dict[str, Any]:
    sets, _, overlay, default_note = catalog()
    rs, chosen_by = service.default_rule_set()
    return {
        "default": {"name": rs.name, "chosen_by": chosen_by, "note": default_note.get("reason")},
        "statutory_overlay": {"mitigation_article": overlay.mitigation_article,
                              "rectification": overlay.rectification, "settings": overlay.settings},
        "items": [_describe(s) for s in sets.values()],
    }


@router.get("/discretion/rule-sets/{name}")
async def get_rule_set(_user: CurrentUser, name: Annotated[str, Path(max_length=100)]) -> dict[str, Any]:
    sets, *_ = catalog()
    if name not in sets:
        raise not_found("rule set", name)
    return _describe(sets[name])


@router.get("/discretion/bureau-settings/{bureau}", response_model=BureauSetting)
async def get_bureau_setting(session: DbSession, _user: CurrentUser, bureau: Bureau) -> BureauSetting:
    rs, chosen_by = await service.active_rule_set(session, bureau)
    return BureauSetting(bureau=bureau, rule_set=rs.name, chosen_by=chosen_by)


@router.put("/discretion/bureau-settings/{bureau}", response_model=BureauSetting)
async def put_bureau_setting(
    rt: RuntimeDep, session: DbSession, bureau: Bureau, body: BureauSettingIn, user: Principal = require_roles(Role.ADMIN)
) -> BureauSetting:
    """A bureau's choice of rule set (a local setting; admin)."""
    await service.set_bureau_rule_set(
        session, bureau=bureau, rule_set=body.rule_set, actor=user.sub, now=rt.clock.now()
    )
    return BureauSetting(bureau=bureau, rule_set=body.rule_set, chosen_by=f"bureau setting of {bureau}")


@router.get("/circumstances", response_model=list[Circumstance])
async def list_circumstances(
    session: DbSession,
    user: CurrentUser,
    bureau: Annotated[str | None, Query(max_length=20, description="default: the caller's bureau")] = None,
    rule_set: Annotated[str | None, Query(max_length=100)] = None,
) -> list[Circumstance]:
    """The fact keys of 《行政处罚法》第三十二条 (any one true → 应当从轻或者减轻), compliance rectification
    (从轻, 试点方案 三（五）) and the aggravating (and own mitigating) circumstances of the bureau's rule set."""
    rows = await service.circumstances_for(session, bureau=bureau or user.bureau, rule_set=rule_set)
    return [Circumstance.model_validate(c) for c in rows]
