"""评查 — the scoring sheet of a drawn file (items pre-filled from the case's own records), the reviewer's scoring
(confirm or override each, with a reason), the verdict, and a flag for a 不合格 file; results per file, bureau and
item. Each use case writes in the caller's transaction (domain rows, log entry and events together)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.casefile_review import bundle as casefile_bundle
from services.audit.casefile_review import prefill as prefilling
from services.audit.casefile_review import scoring, standards
from services.audit.casefile_review.models import ReviewCampaign, ReviewFile, ReviewItemScore
from services.audit.casefile_review.standard import StandardContent
from services.audit.config import AuditSettings
from services.audit.flags import rules
from services.audit.flags import service as flags
from services.audit.log import ledger
from services.audit.models import DecidedCase
from shared.clock import local_date
from shared.contracts import AuditCasefileFailed, AuditCasefileScored
from shared.problems import Problem, conflict, forbidden
from shared.registry import officer_names
from shared.subjects import same_subject

from .campaigns import CROSS_RULE

ASSIGNEE_RULE = "案卷只能由被分派的评查人评查（本地规则）"


async def _read(rt, path: str):
    if rt.http is None:
        return None
    try:
        r = await rt.http.request("cases", "GET", path)
    except Problem:
        return None
    return r.json() if r.status_code == 200 else None


async def prefills(rt, case_id: str) -> dict[str, prefilling.Prefill]:
    """The automatic checks on the case as the cases service holds it now (its record and issued documents)."""
    case = await _read(rt, f"/cases/{case_id}")
    documents = await _read(rt, f"/cases/{case_id}/documents") if case is not None else None
    names = await officer_names(rt.http) if case is not None else {}
    return prefilling.prefill(case, documents if isinstance(documents, list) else [], names)


async def judgements(session: AsyncSession, file_id: str) -> dict[str, ReviewItemScore]:
    rows = await session.scalars(select(ReviewItemScore).where(ReviewItemScore.file_id == file_id))
    return {r.item_code: r for r in rows}


async def standard_of(session: AsyncSession, campaign: ReviewCampaign, now: datetime) -> StandardContent:
    return (await standards.get(session, campaign.standard_version, now=now))[1]


def _refuse_scorer(f: ReviewFile, sub: str, bureau: str | None) -> None:
    if f.status == "scored":
        raise conflict("already_scored", f"案卷 {f.number} 已由 {f.scored_by} 评查完毕；评分不再改变", state=f.status)
    if f.reviewer is None or not same_subject(sub, f.reviewer):
        raise forbidden(f"案卷 {f.number} 分派给了 {f.reviewer or '（尚未分派）'}，只能由其评查", "not_assignee",
                        rule=ASSIGNEE_RULE)
    if bureau and bureau == f.bureau:
        raise forbidden(f"被评查机关（{f.bureau}）的人员不得评查本机关的案卷", "reviewer_own_bureau", rule=CROSS_RULE)


async def score(rt, session: AsyncSession, campaign: ReviewCampaign, f: ReviewFile, given: dict[str, dict], *,
                by: str, bureau: str | None, cfg: AuditSettings, now: datetime) -> ReviewFile:
    _refuse_scorer(f, by, bureau)
    standard = await standard_of(session, campaign, now)
    judged = scoring.judge(standard, given, await prefills(rt, f.case_id))
    v = scoring.verdict(judged, campaign.pass_mark)
    # Once only, race-free: of two concurrent scorings of one file exactly one passes this conditional update.
    done = await session.execute(update(ReviewFile).where(ReviewFile.id == f.id, ReviewFile.status == "assigned")
                                 .values(status="scored", total=v.total, max_total=v.max_total, passed=v.passed,
                                         vetoed=v.vetoed, scored_by=by, scored_at=now)
                                 .execution_options(synchronize_session=False))
    await session.refresh(f)
    if done.rowcount != 1:
        raise conflict("already_scored", f"案卷 {f.number} 已由 {f.scored_by} 评查完毕；评分不再改变", state=f.status)
    for j in judged:
        session.add(ReviewItemScore(
            file_id=f.id, item_code=j.code, section=j.section, prefill_met=j.prefill.met if j.prefill else None,
            evidence=list(j.prefill.evidence) if j.prefill else [], met=j.met, points=j.points,
            max_points=j.max_points, veto=j.veto, overridden=j.overridden, reason=j.reason))
    await session.flush()
    await ledger.append_act(session, type_="audit.casefile_scored", case_id=f.case_id, now=now, data={
        "campaign_id": campaign.id, "file_id": f.id, "standard_version": campaign.standard_version, "total": v.total,
        "max_total": v.max_total, "passed": v.passed, "vetoed": v.vetoed, "scored_by": by,
        "items": {j.code: {"met": j.met, "points": j.points, "overridden": j.overridden, "reason": j.reason}
                  for j in judged}})
    await rt.emit(session, AuditCasefileScored(
        campaign_id=campaign.id, file_id=f.id, case_id=f.case_id, number=f.number, bureau=f.bureau,
        standard_version=campaign.standard_version, total=v.total, max_total=v.max_total, passed=v.passed,
        vetoed=v.vetoed, scored_by=by, scored_at=now), subject=f.case_id)
    if not v.passed:
        await _fail(rt, session, campaign, f, standard, cfg=cfg, by=by, now=now)
    return f


async def _fail(rt, session: AsyncSession, campaign: ReviewCampaign, f: ReviewFile, standard: StandardContent, *,
                cfg: AuditSettings, by: str, now: datetime) -> None:
    """A 不合格 file raises (or adds to) the case's flag with ``casefile_review_failed``: the normal flag workflow."""
    texts = {i.code: i.text for i in standard.items}
    hit = rules.casefile_review_failed(campaign.title, f.total or 0, f.max_total or 0, campaign.pass_mark,
                                       [f"{c} {texts.get(c, '')}" for c in f.vetoed], local_date(now))
    decision = await session.get(DecidedCase, f.case_id)
    flag = await flags.upsert_flag(session, ref=flags.CaseRef(f.case_id, f.number, f.uscc, f.bureau), hits=[hit],
                                   emit=rt.emit, source_event_id=f.id, decision=decision, actor=by, now=now,
                                   sla_days=cfg.review_sla_days)
    assert flag is not None
    f.flag_id = flag.id
    await ledger.append_act(session, type_="audit.casefile_failed", case_id=f.case_id, now=now, data={
        "campaign_id": campaign.id, "file_id": f.id, "flag_id": flag.id, "total": f.total, "vetoed": f.vetoed})
    await rt.emit(session, AuditCasefileFailed(
        campaign_id=campaign.id, file_id=f.id, case_id=f.case_id, number=f.number, bureau=f.bureau,
        total=f.total or 0, max_total=f.max_total or 0, vetoed=list(f.vetoed), flag_id=flag.id, failed_at=now),
        subject=f.case_id)


async def files_of(session: AsyncSession, campaign_id: str) -> list[ReviewFile]:
    return list(await session.scalars(select(ReviewFile).where(ReviewFile.campaign_id == campaign_id)
                                      .order_by(ReviewFile.bureau, ReviewFile.number, ReviewFile.id)))


def by_bureau(files: list[ReviewFile]) -> list[dict]:
    groups: dict[str, list[ReviewFile]] = defaultdict(list)
    for f in files:
        groups[f.bureau].append(f)
    out = []
    for bureau in sorted(groups):
        fs = groups[bureau]
        scored = [f for f in fs if f.status == "scored"]
        passed = sum(1 for f in scored if f.passed)
        out.append({"bureau": bureau, "files": len(fs), "scored": len(scored), "passed": passed,
                    "failed": len(scored) - passed,
                    "pass_rate": round(passed / len(scored), 4) if scored else None,
                    "average": round(sum(f.total or 0 for f in scored) / len(scored), 2) if scored else None})
    return out


async def by_item(session: AsyncSession, campaign_id: str, standard: StandardContent) -> list[dict]:
    rows = await session.scalars(select(ReviewItemScore).join(ReviewFile, ReviewFile.id == ReviewItemScore.file_id)
                                 .where(ReviewFile.campaign_id == campaign_id))
    acc: dict[str, dict] = {i.code: {"code": i.code, "text": i.text, "veto": i.veto, "scored": 0, "met": 0,
                                     "overridden": 0, "points_lost": 0.0} for i in standard.items}
    for r in rows:
        a = acc.setdefault(r.item_code, {"code": r.item_code, "text": r.item_code, "veto": r.veto, "scored": 0,
                                         "met": 0, "overridden": 0, "points_lost": 0.0})
        a["scored"] += 1
        a["met"] += int(r.met)
        a["overridden"] += int(r.overridden)
        a["points_lost"] = round(a["points_lost"] + r.max_points - r.points, 2)
    return list(acc.values())


async def bundle(rt, session: AsyncSession, campaign: ReviewCampaign, f: ReviewFile, *, now: datetime) -> bytes:
    """The reviewed file's bundle (``casefile_review.bundle``): the documents fetched from the cases service as
    issued, each listed with its 文号 and SHA-256; a document that cannot be read is listed under ``omitted``."""
    listing = await _read(rt, f"/cases/{f.case_id}/documents")
    docs: dict[str, bytes] = {}
    listed, omitted = [], []
    for d in listing if isinstance(listing, list) else []:
        kind, number = str(d.get("kind")), str(d.get("number") or "")
        try:
            r = await rt.http.request("cases", "GET", f"/cases/{f.case_id}/documents/{kind}", params={"number": number})
        except Problem:
            r = None
        if r is None or r.status_code != 200:
            omitted.append({"kind": kind, "number": number, "reason": "办案系统未能提供该文书"})
            continue
        name = f"{number or f.number}-{kind}.pdf".replace("/", "_")
        docs[name] = r.content
        listed.append({"kind": kind, "number": number, "path": f"documents/{name}", "size": len(r.content),
                       "sha256": casefile_bundle.sha256(r.content)})
    items = [{"code": j.item_code, "section": j.section, "met": j.met, "points": j.points, "max_points": j.max_points,
              "veto": j.veto, "prefill_met": j.prefill_met, "evidence": j.evidence, "overridden": j.overridden,
              "reason": j.reason} for j in (await judgements(session, f.id)).values()]
    index = {
        "case": {"id": f.case_id, "number": f.number, "uscc": f.uscc, "bureau": f.bureau,
                 "decision_type": f.decision_type, "decision_date": f.decision_date.isoformat()},
        "campaign": {"id": campaign.id, "title": campaign.title, "standard_version": campaign.standard_version,
                     "pass_mark": campaign.pass_mark},
        "review": {"status": f.status, "reviewer": f.reviewer, "reviewer_bureau": f.reviewer_bureau,
                   "total": f.total, "max_total": f.max_total, "passed": f.passed, "vetoed": list(f.vetoed or []),
                   "scored_by": f.scored_by, "scored_at": f.scored_at.isoformat() if f.scored_at else None,
                   "flag_id": f.flag_id, "items": sorted(items, key=lambda i: i["code"])},
        "documents": listed, "omitted": omitted, "exported_at": now.isoformat(),
    }
    return casefile_bundle.build(index, docs)
