"""评查活动 — create a campaign with its stored draw, preview a draw, assign a drawn file to a reviewer of another
bureau (cross review) who took no part in the case. Each use case writes in the caller's transaction."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.casefile_review import draw as drawing
from services.audit.casefile_review import standards
from services.audit.casefile_review.models import ReviewCampaign, ReviewFile
from services.audit.casefile_review.schemas import CampaignCreate, DrawParams
from services.audit.config import AuditSettings
from services.audit.log import ledger
from services.audit.models import CaseContext, DecidedCase, Flag
from services.audit.workspace import people
from shared.contracts import AuditCasefileReviewCampaignCreated
from shared.law import PILOT, POINTS
from shared.problems import Problem, conflict, forbidden, invalid, not_found
from shared.subjects import among

CROSS_RULE = (f"{POINTS}（十九）：组织开展全市生态环境系统行政执法案卷评查。本系统据此要求（本地规则，非原文）："
              "案卷由其他机关的人员交叉评查，评查人不得是本机关人员")
INDEPENDENCE_RULE = (f"{PILOT.split('（', 1)[0]}三（十）：加强对免罚、轻罚案件的监督审核。本系统据此要求（本地规则，非原文）："
                     "评查人不得是本案经办人、决定人、法制审核人或集体讨论参加人")


def _params(body: DrawParams, cfg: AuditSettings) -> tuple[float, int]:
    if body.period_to < body.period_from:
        raise invalid("period_to", "评查期间的结束日早于开始日")
    ratio = body.ratio if body.ratio is not None else cfg.casefile_sample_ratio
    minimum = body.minimum if body.minimum is not None else cfg.casefile_sample_minimum
    return ratio, minimum


async def population(session: AsyncSession, body: DrawParams) -> list[drawing.Candidate]:
    """The decided case files of the period (the audit's record of every decision), of the bureaus named."""
    q = select(DecidedCase.case_id, DecidedCase.number, DecidedCase.uscc, DecidedCase.bureau, DecidedCase.decision_type,
               DecidedCase.decision_date).where(DecidedCase.decision_date >= body.period_from,
                                                 DecidedCase.decision_date <= body.period_to)
    if body.bureaus:
        q = q.where(DecidedCase.bureau.in_(body.bureaus))
    return [drawing.Candidate(*r) for r in await session.execute(q)]


async def preview(session: AsyncSession, body: DrawParams, cfg: AuditSettings) -> tuple[str, int, list[drawing.Drawn]]:
    ratio, minimum = _params(body, cfg)
    seed = body.seed or secrets.token_hex(8)
    pop = await population(session, body)
    return seed, len(pop), drawing.draw(pop, seed=seed, ratio=ratio, minimum=minimum, all_exemptions=body.all_exemptions)


async def create(session: AsyncSession, body: CampaignCreate, *, cfg: AuditSettings, by: str, emit, now: datetime
                 ) -> ReviewCampaign:
    """The campaign, its draw stored file by file, a log entry and ``audit.casefile_review_campaign_created.v1``.
    A title already used is a 409 (two concurrent creations of one campaign make one)."""
    ratio, minimum = _params(body, cfg)
    version, _ = await standards.get(session, None, now=now)
    if await session.scalar(select(ReviewCampaign.id).where(ReviewCampaign.title == body.title)):
        raise conflict("campaign_exists", f"已有名为“{body.title}”的评查活动")
    seed, pop, drawn = await preview(session, body, cfg)
    if not drawn:
        raise invalid("period_from", "评查期间内没有已作出决定的案卷可供抽取", code="nothing_to_draw")
    campaign = ReviewCampaign(
        id=str(uuid.uuid4()), title=body.title, period_from=body.period_from, period_to=body.period_to, seed=seed,
        ratio=ratio, minimum=minimum, all_exemptions=body.all_exemptions, bureaus=list(body.bureaus),
        standard_version=version, pass_mark=cfg.casefile_pass_mark, population=pop, created_by=by, created_at=now)
    try:
        async with session.begin_nested():
            session.add(campaign)
            await session.flush()
    except IntegrityError as e:
        raise conflict("campaign_exists", f"已有名为“{body.title}”的评查活动") from e
    counts: dict[str, int] = {}
    for d in drawn:
        c = d.candidate
        counts[c.bureau] = counts.get(c.bureau, 0) + 1
        session.add(ReviewFile(id=str(uuid.uuid4()), campaign_id=campaign.id, case_id=c.case_id, number=c.number,
                               uscc=c.uscc, bureau=c.bureau, decision_type=c.decision_type,
                               decision_date=c.decision_date, drawn_by=d.drawn_by, status="drawn", vetoed=[]))
    await ledger.append_act(session, type_="audit.casefile_review_campaign_created", case_id=None, now=now, data={
        "campaign_id": campaign.id, "title": body.title, "seed": seed, "ratio": ratio, "minimum": minimum,
        "all_exemptions": body.all_exemptions, "standard_version": version, "drawn": counts, "created_by": by,
        "case_ids": [d.candidate.case_id for d in drawn]})
    await emit(session, AuditCasefileReviewCampaignCreated(
        campaign_id=campaign.id, title=body.title, period_from=body.period_from, period_to=body.period_to, seed=seed,
        standard_version=version, drawn=counts, created_by=by, created_at=now), subject=campaign.id)
    return campaign


async def get_campaign(session: AsyncSession, campaign_id: str) -> ReviewCampaign:
    campaign = await session.get(ReviewCampaign, campaign_id)
    if campaign is None:
        raise not_found("campaign", campaign_id)
    return campaign


async def get_file(session: AsyncSession, campaign_id: str, file_id: str, *, lock: bool = False) -> ReviewFile:
    q = select(ReviewFile).where(ReviewFile.id == file_id, ReviewFile.campaign_id == campaign_id)
    row = await session.scalar(q.with_for_update() if lock else q)
    if row is None:
        raise not_found("casefile", file_id)
    return row


async def case_people(session: AsyncSession, case_id: str) -> list[str]:
    """Everyone the audit knows took part in the case: handlers, decider, legal reviewer, discussion participants,
    recorders (its decision's people, its context's, its flag's)."""
    out: list[str] = []
    d = await session.get(DecidedCase, case_id)
    if d is not None:
        out += [*(d.people or []), d.decided_by]
    ctx = await session.get(CaseContext, case_id)
    if ctx is not None:
        out += list(ctx.people or [])
    flag = await session.scalar(select(Flag).where(Flag.case_id == case_id))
    if flag is not None:
        out += [*(flag.handlers or []), flag.decided_by, *(flag.involved or [])]
    return [p for p in out if p]


async def bureau_of(rt, session: AsyncSession, sub: str) -> str | None:
    """The reviewer's bureau: the workspace's people (local accounts, identity-provider sign-ins), else the officers
    register of the cases service."""
    for p in await people.known(session):
        if p.sub == sub and p.bureau:
            return p.bureau
    if rt.http is not None:
        try:
            r = await rt.http.request("cases", "GET", "/officers")
        except Problem:
            return None
        if r.status_code == 200:
            for o in r.json():
                if o.get("sub") == sub:
                    return o.get("bureau")
    return None


def refuse_reviewer(f: ReviewFile, reviewer: str, reviewer_bureau: str | None, involved: list[str]) -> None:
    if reviewer_bureau is None:
        raise invalid("reviewer", f"不知道 {reviewer} 所属的机关（工作台账户或执法人员名录中均无记录），无法确认交叉评查",
                      code="unknown_reviewer", rule=CROSS_RULE)
    if reviewer_bureau == f.bureau:
        raise forbidden(f"评查人 {reviewer} 与案卷 {f.number} 同属 {f.bureau}：案卷须由其他机关的人员交叉评查",
                        "reviewer_own_bureau", rule=CROSS_RULE)
    if among(reviewer, involved):
        raise forbidden(f"{reviewer} 参与了案件 {f.number} 的办理、审核、讨论或决定，不得评查该案卷", "reviewer_involved",
                        rule=INDEPENDENCE_RULE)


async def assign(rt, session: AsyncSession, f: ReviewFile, *, reviewer: str, by: str, now: datetime) -> ReviewFile:
    if f.status == "scored":
        raise conflict("already_scored", f"案卷 {f.number} 已评查完毕，不能改派", state=f.status)
    reviewer_bureau = await bureau_of(rt, session, reviewer)
    refuse_reviewer(f, reviewer, reviewer_bureau, await case_people(session, f.case_id))
    # conditional: a file scored meanwhile is never reassigned (nor its status put back)
    done = await session.execute(update(ReviewFile).where(ReviewFile.id == f.id, ReviewFile.status != "scored")
                                 .values(reviewer=reviewer, reviewer_bureau=reviewer_bureau, assigned_by=by,
                                         assigned_at=now, status="assigned")
                                 .execution_options(synchronize_session=False))
    await session.refresh(f)
    if done.rowcount != 1:
        raise conflict("already_scored", f"案卷 {f.number} 已评查完毕，不能改派", state=f.status)
    await ledger.append_act(session, type_="audit.casefile_assigned", case_id=f.case_id, now=now, data={
        "campaign_id": f.campaign_id, "file_id": f.id, "reviewer": reviewer, "reviewer_bureau": reviewer_bureau,
        "assigned_by": by})
    return f
