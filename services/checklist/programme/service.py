"""Use cases of the guidance programme around the checklist: 自查自纠 (self-checks, kept per USCC
with an event for the cases service) and 典型案例 (typical cases, linked to guidance items and
searchable). Each in the caller's unit of work (never begins or commits); rows and events written
together."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist import search
from services.checklist.guidance.store import latest_published
from services.checklist.models import GuidanceItem, SelfCheck, TypicalCase
from services.checklist.programme import selfcheck
from shared import law
from shared.contracts import ChecklistSelfCheckSubmitted, SelfCheckRisk
from shared.problems import conflict, invalid

if TYPE_CHECKING:
    from shared.service import Runtime

# 以案释法 work point: 《2023年苏州市生态环境系统法治政府建设工作要点》（十五）
TYPICAL_CASE_TARGET = 4
TYPICAL_CASE_BASIS = (
    f"{law.POINTS}（十五）：建立以案释法制度，定期发布各类典型案例，"
    "每年向市法宣办报送不少于4篇"
)
# A published case is anonymised: no 统一社会信用代码 (GB 32100-2015 shape) in its text.
USCC_LIKE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")


async def published_items(session: AsyncSession) -> list[selfcheck.ItemRef]:
    rows = await session.scalars(latest_published(GuidanceItem))
    return [
        selfcheck.ItemRef(r.code, r.version, r.title, r.domain, r.risk_level,
                          tuple(r.common_violations), tuple(r.advice))
        for r in rows
    ]


async def questionnaire(session: AsyncSession, industry: str) -> tuple[str, list[selfcheck.Question]]:
    return selfcheck.questionnaire(industry, await published_items(session))


async def assess_answers(
    session: AsyncSession, industry: str, answers: dict[str, Any]
) -> tuple[str, list[selfcheck.Question], dict[str, str], selfcheck.Report]:
    """Validate answers against the industry's questionnaire (422 naming the answer) and assess them:
    (questionnaire version, questions, normalised answers, report). Reads only."""
    items = await published_items(session)
    version, questions = selfcheck.questionnaire(industry, items)
    known = {q.id for q in questions}
    normalised: dict[str, str] = {}
    for qid, a in answers.items():
        if qid not in known:
            raise invalid(f"answers.{qid}", f"no question {qid!r} in the {industry} questionnaire")
        value = {True: "yes", False: "no", None: "unknown"}.get(a, a) if isinstance(a, bool | None) else a
        if value not in selfcheck.ANSWERS:
            raise invalid(f"answers.{qid}", f"answer with one of {list(selfcheck.ANSWERS)} (or true/false)")
        normalised[qid] = value
    return version, questions, normalised, selfcheck.assess(questions, {i.code: i for i in items}, normalised)


async def submit_self_check(
    rt: Runtime, session: AsyncSession, *, uscc: str, industry: str, answers: dict[str, Any], actor: str,
    now: datetime,
) -> SelfCheck:
    version, _, normalised, report = await assess_answers(session, industry, answers)
    row = SelfCheck(
        id=str(uuid.uuid4()), uscc=uscc, industry=industry,
        answers={"questionnaire_version": version, "answers": normalised},
        risks=report.risks, unanswered=report.unanswered, score=report.score,
        submitted_by=actor, submitted_at=now,
    )
    session.add(row)
    await rt.emit(
        session,
        ChecklistSelfCheckSubmitted(
            self_check_id=row.id, uscc=uscc, industry=industry, score=report.score,
            risks=[SelfCheckRisk(item_code=r["item_code"], item_version=r["item_version"],
                                 risk_level=r["risk_level"]) for r in report.risks],
            unanswered=len(report.unanswered), submitted_at=now,
        ),
        subject=uscc,
    )
    return row


async def self_check_history(session: AsyncSession, *, uscc: str) -> list[SelfCheck]:
    return list(await session.scalars(
        select(SelfCheck).where(SelfCheck.uscc == uscc).order_by(SelfCheck.submitted_at.desc(), SelfCheck.id)
    ))


# -- 典型案例 --------------------------------------------------------------------------------------
async def publish_typical_case(
    session: AsyncSession, *, data: dict[str, Any], actor: str, now: datetime
) -> TypicalCase:
    for name in ("title", "summary", "outcome", "lesson"):
        if data.get(name) and USCC_LIKE.search(data[name]):
            raise invalid(name, "a typical case is published anonymised: remove the 统一社会信用代码",
                          code="not_anonymised")
    try:
        published = set(await session.scalars(
            select(GuidanceItem.code).where(GuidanceItem.code.in_(data["item_codes"]),
                                            GuidanceItem.status == "published")
        ))
        for i, code in enumerate(data["item_codes"]):
            if code not in published:
                raise invalid(f"item_codes.{i}", f"no published guidance item {code!r}", code="unknown_item")
        if await session.scalar(select(TypicalCase.id).where(TypicalCase.code == data["code"])):
            raise conflict("duplicate", f"typical case {data['code']} exists")
        row = TypicalCase(**data, published_by=actor, published_at=now)
        session.add(row)
        await session.flush()  # the unique code refuses a concurrent publication here, not at the commit
        body = "\n".join(x for x in (data["title"], data["summary"], data["outcome"], data.get("lesson")) if x)
        await search.index_document(session, kind="case", ref=data["code"], version=1, title=data["title"], body=body)
    except IntegrityError as e:  # the same code published concurrently: the other one stored it
        raise conflict("duplicate", f"typical case {data['code']} exists") from e
    return row


async def list_typical_cases(
    session: AsyncSession, *, q: str | None, item_code: str | None, bureau: str | None, year: int | None
) -> list[TypicalCase]:
    stmt = select(TypicalCase)
    order: tuple[Any, ...] = (TypicalCase.year.desc(), TypicalCase.code)
    if q:
        hits = search.matching_documents(search.matcher(session, "case", search.normalise(q))).subquery()
        stmt = stmt.join(hits, hits.c.ref == TypicalCase.code)
        order = (hits.c.title_hit.desc(), *order)
    if bureau:
        stmt = stmt.where(TypicalCase.bureau == bureau)
    if year:
        stmt = stmt.where(TypicalCase.year == year)
    rows = list(await session.scalars(stmt.order_by(*order)))
    if item_code:  # JSON containment differs by database; the list is small per bureau
        rows = [r for r in rows if item_code in r.item_codes]
    return rows


def source_line(publisher: str | None, date: str | None) -> str | None:
    """"来源：某某市生态环境局，2023年5月发布" — the plain Chinese line a reader sees (None without a publisher)."""
    if not publisher:
        return None
    if not date:
        return f"来源：{publisher}"
    y, m, *d = (int(x) for x in date.split("-"))
    when = f"{y}年{m}月{d[0]}日" if d else f"{y}年{m}月"
    return f"来源：{publisher}，{when}发布"


async def item_titles(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    """The titles of the latest published versions of ``codes`` (a case links items by code)."""
    if not codes:
        return {}
    rows = await session.scalars(latest_published(GuidanceItem).where(GuidanceItem.code.in_(codes)))
    return {r.code: r.title for r in rows}


async def seed_typical_cases(session: AsyncSession, cases: list[dict[str, Any]], *, now: datetime) -> int:
    """Publish the bundled cases whose code is not there yet (the seed's lock serialises starters);
    each through ``publish_typical_case`` (anonymised, linked items published, indexed for search)."""
    have = set(await session.scalars(select(TypicalCase.code)))
    added = 0
    for data in cases:
        if data["code"] not in have:
            await publish_typical_case(session, data=data, actor="system:seed", now=now)
            added += 1
    return added


async def yearly_count(session: AsyncSession, *, bureau: str, year: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(TypicalCase).where(TypicalCase.bureau == bureau, TypicalCase.year == year)
    ) or 0
