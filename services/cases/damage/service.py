"""Use cases of the damage matter: open it by hand, record a step, read it with its case, list them. Each runs in
the request's unit of work (``DbSession``): the matter row and its outbox event in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.case.service import load_visible
from services.cases.damage import history, opening, settings, workflow
from services.cases.damage.models import DamageMatter
from services.cases.damage.schemas import DamageList, DamageRead, DamageStepCreate
from services.cases.damage.view import to_read
from services.cases.damage.workflow import GROUNDS, Status
from services.cases.models import Case
from shared import contracts
from shared.auth import Principal, ensure_can_see, scope_of
from shared.problems import invalid, not_found
from shared.service import Runtime

PAYABLE = workflow.TRANSITIONS["pay"][0]


async def open_by_officer(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                          note: str) -> tuple[DamageRead, bool]:
    """线索 registered by an officer for a case whose facts do not record damage (yet): idempotent."""
    case = await load_visible(session, user, case_id, lock=True)
    created = await opening.open_matter(rt, session, case, at=rt.clock.now(), by=user.sub, trigger="officer",
                                        note=note)
    m = await opening.matter_of(session, case.id)
    assert m is not None
    return to_read(m), created


async def _locked(session: AsyncSession, user: Principal, case_id: str) -> tuple[DamageMatter, Case]:
    case = await load_visible(session, user, case_id)  # the case's scope first: 403 to another bureau, whatever exists
    stmt = (select(DamageMatter).where(DamageMatter.case_id == case_id).with_for_update()
            .execution_options(populate_existing=True))
    m = await session.scalar(stmt)
    if m is None:
        raise not_found("damage matter of case", case_id)
    ensure_can_see(user, bureau=m.bureau, uscc=m.uscc, what="this damage matter")
    return m, case


def _require(body: DamageStepCreate) -> None:
    """What each step must carry (422 naming the field; nothing written)."""
    need = {"assess": ("assessed_amount",), "agree": ("agreed_amount", "restoration_terms"), "evaluate": ("passed",),
            "pay": ("paid_amount",)}.get(body.action, ())
    for name in need:
        value = getattr(body, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise invalid(name, f"“{workflow.ACTION_CN[body.action]}”须载明 {name}", code="missing_field")
    if body.action == "pay" and not body.paid_amount:
        raise invalid("paid_amount", "缴纳的赔偿金须大于零", code="invalid_amount")


async def record_step(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                      body: DamageStepCreate) -> DamageRead:
    _require(body)
    m, case = await _locked(session, user, case_id)
    slight = body.action == "not_start" and body.ground == "significantly_slight"
    step = workflow.Step(action=body.action, ground=body.ground, simplified=body.simplified,
                         assessed_amount=body.assessed_amount, agreed_amount=body.agreed_amount,
                         restoration_terms=body.restoration_terms, passed=body.passed, paid_amount=body.paid_amount,
                         note=body.note, in_red_line=body.in_red_line,
                         earlier_violations=await history.earlier_violations(session, case) if slight else ())
    before = m.status
    after = workflow.next_status(before, step, simplified_max_cny=settings.simplified_max_cny(),
                                 simplified_basis=settings.SIMPLIFIED_SOURCE)  # a Refusal → 409 naming the rule
    if body.paid_amount and after not in PAYABLE:
        raise invalid("paid_amount", "赔偿金在签订赔偿协议或提起诉讼之后缴纳（此前的步骤不记录缴纳数额；本系统解读：赔偿数额由赔偿协议或裁判确定，"
                      "非条文规定）",
                      code="payment_before_agreement")
    at: datetime = rt.clock.now()
    _apply(m, body, after)
    entry = {"action": body.action, "status_from": before, "status_to": after.value, "recorded_by": user.sub,
             "recorded_at": at.isoformat(), "note": body.note,
             **({"document": body.document.model_dump()} if body.document else {}),
             **{k: v for k, v in body.model_dump(include={"ground", "assessed_amount", "agreed_amount",
                                                          "restoration_terms", "passed", "paid_amount",
                                                          "in_red_line"}).items()
                if v is not None},
             **({"simplified": body.simplified} if body.action == "assess" else {})}
    m.steps = [*m.steps, entry]
    m.updated_at = at
    m.row_version = (m.row_version or 0) + 1
    g = GROUNDS.get(body.ground or "") if body.action == "not_start" else None
    await rt.emit(session, contracts.CaseDamageStepRecorded(
        matter_id=m.id, case_id=m.case_id, number=m.number, uscc=m.uscc, bureau=m.bureau, action=body.action,
        status_from=before, status_to=after.value, recorded_by=user.sub, recorded_at=at, note=body.note,
        ground=g.code if g else None, ground_source=g.source if g else None,
        document_number=body.document.number if body.document else None,
        document_title=body.document.title if body.document else None,
        simplified=body.simplified if body.action == "assess" else None, assessed_amount=body.assessed_amount,
        agreed_amount=body.agreed_amount, evaluation_passed=body.passed if body.action == "evaluate" else None,
        paid_amount=body.paid_amount, paid_total=float(m.paid_total)), subject=m.case_id)
    await session.flush()
    return to_read(m)


def _apply(m: DamageMatter, body: DamageStepCreate, after: Status) -> None:
    m.status = after.value
    if body.action == "not_start":
        m.ground = body.ground
    elif body.action == "assess":
        m.simplified, m.assessed_amount = body.simplified, body.assessed_amount
    elif body.action == "agree":
        m.agreed_amount, m.restoration_terms = body.agreed_amount, body.restoration_terms
    elif body.action == "evaluate":
        m.evaluation_passed = body.passed
    if body.paid_amount:
        m.paid_total = round(float(m.paid_total or 0.0) + body.paid_amount, 2)


async def get(session: AsyncSession, user: Principal, case_id: str) -> DamageRead:
    case = await load_visible(session, user, case_id)
    m = await opening.matter_of(session, case.id)
    if m is None:
        raise not_found("damage matter of case", case_id)
    return to_read(m)


async def listing(session: AsyncSession, user: Principal, *, bureau: str | None, uscc: str | None,
                  status: str | None, page: int, size: int) -> DamageList:
    conds = scope_of(user, bureau=bureau, uscc=uscc.upper() if uscc else None,
                     what="damage matters").where(DamageMatter.bureau, DamageMatter.uscc)
    if status:
        conds.append(DamageMatter.status == status)
    total = await session.scalar(select(func.count()).select_from(DamageMatter).where(*conds))
    rows = (await session.scalars(select(DamageMatter).where(*conds)
                                  .order_by(DamageMatter.opened_at.desc(), DamageMatter.id)
                                  .offset((page - 1) * size).limit(size))).all()
    return DamageList(items=[to_read(m) for m in rows], total=int(total or 0))
