"""合规建议书 — compliance advice letters from inspections: findings, requirements with due dates, and the
enterprise's feedback. The non-coercive path (试点方案 三（三）: 推行“建议指导性”“提醒教育式”等非强制性
监管方式，制发推送企业合规建议书，提出切实可行的整改要求) — it opens no case."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.bureaus import service as bureaus
from services.cases.case.schemas import AdviceFeedback, AdviceLetterCreate, AdviceLetterRead, Requirement
from services.cases.documents import issued
from services.cases.models import AdviceLetter, Case, CaseCounter, Enterprise
from shared import uscc
from shared.auth import Principal, ensure_can_see, scope_of
from shared.clock import local_date
from shared.db import dialect_insert
from shared.problems import forbidden, invalid, not_found
from shared.service import Runtime

BASIS = ("《苏州市生态环境领域涉企行政合规指导工作试点方案》三（三）：在日常执法检查过程中，积极推行“建议指导性”、“提醒教育式”等"
         "非强制性监管方式，针对发现的环境问题，制发推送企业合规建议书，提出切实可行的整改要求，指导企业开展整改")


def to_read(a: AdviceLetter, today: date) -> AdviceLetterRead:
    out = AdviceLetterRead.model_validate(a, from_attributes=True)
    out.overdue = a.status == "issued" and today > a.due
    return out


async def _number(session: AsyncSession, bureau: str, year: int) -> str:
    ins = dialect_insert(session, CaseCounter)
    stmt = ins.values(bureau=f"advice:{bureau}"[:40], year=year, last=1).on_conflict_do_update(
        index_elements=["bureau", "year"], set_={"last": CaseCounter.last + 1}).returning(CaseCounter.last)
    return f"{bureau}-{year}-HG{(await session.execute(stmt)).scalar_one():05d}"


async def issue(rt: Runtime, session: AsyncSession, user: Principal, body: AdviceLetterCreate) -> AdviceLetterRead:
    at = rt.clock.now()
    return await issue_in(session, user, body, at)


async def issue_in(session: AsyncSession, user: Principal, body: AdviceLetterCreate, at) -> AdviceLetterRead:
    """Issue a letter inside the caller's transaction (the risk-warning inspection links it to its warning)."""
    try:
        code = uscc.validate(body.uscc)
    except uscc.USCCError as e:
        raise invalid("uscc", str(e), code="invalid_uscc") from e
    if body.due < local_date(at):
        raise invalid("due", "the letter cannot be due before it is issued", code="invalid_date")
    reqs = []
    for i, r in enumerate(body.requirements):
        req = r if isinstance(r, Requirement) else Requirement(text=r, due=body.due)
        if req.due < local_date(at):
            raise invalid(f"requirements.{i}.due", "a requirement cannot be due before the letter is issued",
                          code="invalid_date")
        reqs.append(req.model_dump(mode="json"))
    ent = await session.get(Enterprise, code)
    if ent is None:
        raise invalid("uscc", f"enterprise {code} is not registered (POST /enterprises first)", code="unknown_enterprise")
    if not user.has("admin") and user.bureau != ent.bureau:
        raise forbidden(f"enterprise {code} is under bureau {ent.bureau}")
    if body.case_id is not None:
        case = await session.get(Case, body.case_id)
        if case is None or case.uscc != code:
            raise invalid("case_id", f"no case {body.case_id} of enterprise {code}", code="unknown_case")
    # 合规建议书文号 from the bureau's compliance_advice prefix, once, when issued (409 names a missing setting).
    authority = await bureaus.require(session, ent.bureau, "compliance_advice", need=())
    letter = AdviceLetter(
        id=str(uuid.uuid4()), number=await _number(session, ent.bureau, local_date(at).year), uscc=code,
        document_number=await bureaus.issue_number(session, authority, "compliance_advice", local_date(at).year),
        bureau=ent.bureau, case_id=body.case_id, findings=list(body.findings), requirements=reqs, due=body.due,
        basis=[BASIS, *body.basis], issued_by=user.sub, issued_at=at, feedback=[], status="issued",
    )
    session.add(letter)
    await session.flush()
    # Issue 24: the letter's document is issued with it (rendered once by the worker, then served as stored).
    await issued.issue(session, letter_id=letter.id, kind="compliance_advice",
                       number=letter.document_number or letter.number, at=at)
    return to_read(letter, local_date(at))


async def load(session: AsyncSession, user: Principal, letter_id: str) -> AdviceLetter:
    letter = await session.get(AdviceLetter, letter_id)
    if letter is None:
        raise not_found("advice letter", letter_id)
    ensure_can_see(user, bureau=letter.bureau, uscc=letter.uscc, what="this advice letter")
    return letter


async def get(rt: Runtime, session: AsyncSession, user: Principal, letter_id: str) -> AdviceLetterRead:
    return to_read(await load(session, user, letter_id), rt.clock.today())


async def listing(rt: Runtime, session: AsyncSession, user: Principal, uscc_: str | None) -> list[AdviceLetterRead]:
    scope = scope_of(user, uscc=uscc_.upper() if uscc_ else None, what="advice letters")
    stmt = (select(AdviceLetter).where(*scope.where(AdviceLetter.bureau, AdviceLetter.uscc))
            .order_by(AdviceLetter.issued_at.desc()).limit(500))
    return [to_read(a, rt.clock.today()) for a in (await session.scalars(stmt)).all()]


async def feedback(rt: Runtime, session: AsyncSession, user: Principal, letter_id: str,
                   body: AdviceFeedback) -> AdviceLetterRead:
    """The enterprise's feedback on the requirements (反馈整改情况)."""
    at = rt.clock.now()
    letter = await load(session, user, letter_id)
    if user.has("enterprise") and user.uscc != letter.uscc:
        raise forbidden("only the enterprise the letter is addressed to gives feedback")
    letter.feedback = [*letter.feedback, {"content": body.content, "completed": body.completed, "by": user.sub,
                                          "at": at.isoformat()}]
    letter.status = "completed" if body.completed else "feedback_received"
    await session.flush()
    return to_read(letter, local_date(at))
