"""案卷评查 HTTP API (under ``/audit/v1``): the standard (versions, export, import), campaigns and their draw,
cross-review assignment, the scoring sheet with pre-filled evidence, scoring, results."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from sqlalchemy import select

from services.audit.casefile_review import campaigns, review, standards
from services.audit.casefile_review.models import ReviewCampaign, ReviewFile
from services.audit.casefile_review.schemas import (
    AssignBody,
    CampaignCreate,
    CampaignDetail,
    CampaignRead,
    DrawnRead,
    DrawParams,
    DrawPreview,
    FileRead,
    ImportReport,
    Results,
    ScoreBody,
    Sheet,
    SheetItem,
    StandardVersionRead,
)
from services.audit.casefile_review.standard import StandardContent
from services.audit.config import audit_settings
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter(tags=["casefile review"])

_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}
WRITE_PROBLEMS = {**PROBLEMS, 409: _PROBLEM}

Reader = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN)]
Auditor = Annotated[Principal, require_roles(Role.AUDITOR)]
PREFIX = "/casefile-reviews"


def file_read(f: ReviewFile) -> FileRead:
    return FileRead(id=f.id, case_id=f.case_id, number=f.number, uscc=f.uscc, bureau=f.bureau, decision_type=f.decision_type,
                    decision_date=f.decision_date, drawn_by=f.drawn_by, status=f.status, reviewer=f.reviewer,
                    reviewer_bureau=f.reviewer_bureau, assigned_at=f.assigned_at, total=f.total,
                    max_total=f.max_total, passed=f.passed, vetoed=list(f.vetoed or []), scored_by=f.scored_by,
                    scored_at=f.scored_at, flag_id=f.flag_id)


def campaign_read(c: ReviewCampaign, files: list[ReviewFile]) -> dict:
    return dict(id=c.id, title=c.title, period_from=c.period_from, period_to=c.period_to, seed=c.seed, ratio=c.ratio,
                minimum=c.minimum, all_exemptions=c.all_exemptions, bureaus=list(c.bureaus), population=c.population,
                standard_version=c.standard_version, pass_mark=c.pass_mark, created_by=c.created_by,
                created_at=c.created_at, files=len(files),
                assigned=sum(1 for f in files if f.reviewer), scored=sum(1 for f in files if f.status == "scored"),
                failed=sum(1 for f in files if f.status == "scored" and not f.passed))


# -- the standard ------------------------------------------------------------------------------------------------
@router.get(f"{PREFIX}/standards", response_model=list[StandardVersionRead], responses=PROBLEMS)
async def list_standards(user: Reader, session: DbSession, rt: RuntimeDep) -> list[StandardVersionRead]:
    """The standard's versions, oldest first (version 1: seeded from 环办〔2012〕98号's structure)."""
    out = []
    for row in await standards.versions(session, now=rt.clock.now()):
        c = StandardContent.model_validate(row.content)
        out.append(StandardVersionRead(version=row.version, sha256=row.sha256, title=c.title, max_points=c.max_points(),
                                       items=len(c.items), veto_items=sum(1 for i in c.items if i.veto),
                                       created_by=row.created_by, created_at=row.created_at))
    return out


@router.get(f"{PREFIX}/standards/{{version}}", response_model=StandardContent, responses=PROBLEMS)
async def get_standard(version: Annotated[int, Path(ge=1, le=100000)], user: Reader, session: DbSession,
                       rt: RuntimeDep) -> StandardContent:
    return (await standards.get(session, version, now=rt.clock.now()))[1]


@router.get("/exports/casefile-review-standard", response_class=Response, responses={
    **PROBLEMS, 200: {"content": {"application/json": {}}, "description": "the standard in the import's format"}})
async def export_standard(user: Reader, session: DbSession, rt: RuntimeDep,
                          version: Annotated[int | None, Query(ge=1, le=100000)] = None) -> Response:
    """A version (default: the latest) as JSON that ``POST /imports/casefile-review-standard`` reads back."""
    v, content = await standards.get(session, version, now=rt.clock.now())
    body = json.dumps(content.model_dump(mode="json"), ensure_ascii=False, indent=2).encode("utf-8")
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="casefile-review-standard-v{v}.json"'})


@router.post("/imports/casefile-review-standard", response_model=ImportReport, responses=WRITE_PROBLEMS)
async def import_standard(body: StandardContent, user: Auditor, session: DbSession, rt: RuntimeDep,
                          dry_run: bool = False) -> ImportReport:
    """Validate the whole standard (a 422 names each bad field; nothing written), then add it as the next version —
    or, when the same content is already a version, answer that version (``created: false``). Campaigns keep the
    version they were created with: no score already given changes."""
    v, created = await standards.import_standard(session, body, by=user.sub, now=rt.clock.now(), dry_run=dry_run)
    return ImportReport(version=v, created=created, dry_run=dry_run, items=len(body.items), max_points=body.max_points())


# -- campaigns -------------------------------------------------------------------------------------------------
@router.post(f"{PREFIX}/draws/preview", response_model=DrawPreview, responses=PROBLEMS)
async def preview_draw(body: DrawParams, user: Auditor, session: DbSession, rt: RuntimeDep) -> DrawPreview:
    """The sample a campaign with these parameters would draw (nothing stored): with a campaign's seed and
    parameters it gives that campaign's sample again."""
    seed, pop, drawn = await campaigns.preview(session, body, audit_settings(rt))
    return DrawPreview(seed=seed, population=pop, files=[DrawnRead(
        case_id=d.candidate.case_id, number=d.candidate.number, uscc=d.candidate.uscc, bureau=d.candidate.bureau,
        decision_type=d.candidate.decision_type, decision_date=d.candidate.decision_date, drawn_by=d.drawn_by)
        for d in drawn])


@router.post(f"{PREFIX}/campaigns", status_code=201, response_model=CampaignDetail, responses=WRITE_PROBLEMS)
async def create_campaign(body: CampaignCreate, user: Auditor, session: DbSession, rt: RuntimeDep) -> CampaignDetail:
    """评查活动 (role ``auditor``): draws the period's decided files per bureau with the seed (stored) and scores
    against the latest standard version; 409 ``campaign_exists`` for a title already used."""
    c = await campaigns.create(session, body, cfg=audit_settings(rt), by=user.sub, emit=rt.emit, now=rt.clock.now())
    files = await review.files_of(session, c.id)
    return CampaignDetail(**campaign_read(c, files), items=[file_read(f) for f in files])


@router.get(f"{PREFIX}/campaigns", response_model=list[CampaignRead], responses=PROBLEMS)
async def list_campaigns(user: Reader, session: DbSession) -> list[CampaignRead]:
    out = []
    for c in await session.scalars(select(ReviewCampaign).order_by(ReviewCampaign.created_at.desc()).limit(500)):
        out.append(CampaignRead(**campaign_read(c, await review.files_of(session, c.id))))
    return out


@router.get(f"{PREFIX}/campaigns/{{campaign_id}}", response_model=CampaignDetail, responses=PROBLEMS)
async def get_campaign(campaign_id: str, user: Reader, session: DbSession) -> CampaignDetail:
    c = await campaigns.get_campaign(session, campaign_id)
    files = await review.files_of(session, c.id)
    return CampaignDetail(**campaign_read(c, files), items=[file_read(f) for f in files])


@router.post(f"{PREFIX}/campaigns/{{campaign_id}}/files/{{file_id}}/assign", response_model=FileRead,
             responses=WRITE_PROBLEMS)
async def assign_file(campaign_id: str, file_id: str, body: AssignBody, user: Auditor, session: DbSession,
                      rt: RuntimeDep) -> FileRead:
    """交叉评查: the reviewer belongs to another bureau than the case's (403 ``reviewer_own_bureau``) and took no
    part in the case (403 ``reviewer_involved``); their bureau must be known (422 ``unknown_reviewer``)."""
    await campaigns.get_campaign(session, campaign_id)
    f = await campaigns.get_file(session, campaign_id, file_id, lock=True)
    return file_read(await campaigns.assign(rt, session, f, reviewer=body.reviewer, by=user.sub, now=rt.clock.now()))


@router.get(f"{PREFIX}/campaigns/{{campaign_id}}/files/{{file_id}}", response_model=Sheet, responses=PROBLEMS)
async def scoring_sheet(campaign_id: str, file_id: str, user: Reader, session: DbSession, rt: RuntimeDep) -> Sheet:
    """评查表: every item of the campaign's standard version, those the system can judge pre-filled with their
    evidence (read from the case's records now), and once scored the judgements as given."""
    c = await campaigns.get_campaign(session, campaign_id)
    f = await campaigns.get_file(session, campaign_id, file_id)
    standard = await review.standard_of(session, c, rt.clock.now())
    given = await review.judgements(session, f.id)
    pre = {} if given else await review.prefills(rt, f.case_id)
    names = {s.code: s.name for s in standard.sections}
    items = []
    for i in standard.items:
        g = given.get(i.code)
        p = pre.get(i.auto) if i.auto else None
        items.append(SheetItem(
            code=i.code, section=i.section, section_name=names.get(i.section, i.section), text=i.text, points=i.points,
            veto=i.veto, basis=i.basis, auto=i.auto,
            prefill_met=g.prefill_met if g else (p.met if p else None),
            evidence=(g.evidence if g else (p.evidence if p else [])),  # type: ignore[arg-type]
            met=g.met if g else None, given=g.points if g else None, overridden=g.overridden if g else None,
            reason=g.reason if g else None))
    return Sheet(file=file_read(f), campaign_id=c.id, campaign_title=c.title, standard_version=c.standard_version,
                 pass_mark=c.pass_mark, max_points=standard.max_points(), items=items)


@router.post(f"{PREFIX}/campaigns/{{campaign_id}}/files/{{file_id}}/score", response_model=FileRead,
             responses=WRITE_PROBLEMS)
async def score_file(campaign_id: str, file_id: str, body: ScoreBody, user: Auditor, session: DbSession,
                     rt: RuntimeDep) -> FileRead:
    """Score every item (the assigned reviewer only, 403 ``not_assignee``): confirm or override each pre-filled
    item — an override, a deduction and a veto item not met need a ``reason`` (422 ``reason_required``). The total
    and verdict are computed; a 不合格 file raises the case's flag (rule ``casefile_review_failed``). Once only:
    409 ``already_scored``."""
    c = await campaigns.get_campaign(session, campaign_id)
    f = await campaigns.get_file(session, campaign_id, file_id, lock=True)
    given = {k: v.model_dump() for k, v in body.items.items()}
    f = await review.score(rt, session, c, f, given, by=user.sub, bureau=user.bureau, cfg=audit_settings(rt),
                           now=rt.clock.now())
    return file_read(f)


@router.get(f"{PREFIX}/campaigns/{{campaign_id}}/results", response_model=Results, responses=PROBLEMS)
async def results(campaign_id: str, user: Reader, session: DbSession, rt: RuntimeDep) -> Results:
    """结果: per file (total, verdict, veto items), per bureau (合格率, average) and per item (met, overridden,
    points lost)."""
    c = await campaigns.get_campaign(session, campaign_id)
    files = await review.files_of(session, c.id)
    standard = await review.standard_of(session, c, rt.clock.now())
    return Results(campaign_id=c.id, standard_version=c.standard_version, pass_mark=c.pass_mark,
                   files=[file_read(f) for f in files], bureaus=review.by_bureau(files),  # type: ignore[arg-type]
                   items=await review.by_item(session, c.id, standard))  # type: ignore[arg-type]


@router.get(f"{PREFIX}/campaigns/{{campaign_id}}/files/{{file_id}}/bundle", response_class=Response, responses={
    **PROBLEMS, 200: {"content": {"application/zip": {}}, "description": "index.json, documents/*.pdf, manifest.json"}})
async def file_bundle(campaign_id: str, file_id: str, user: Reader, session: DbSession, rt: RuntimeDep) -> Response:
    """评查案卷包 for the provincial 案卷质量管理系统: the case's issued documents (PDF, as issued), ``index.json`` (the
    case, the campaign, the review item by item, the document list with 文号, size and SHA-256) and
    ``manifest.json`` (SHA-256 of every file)."""
    c = await campaigns.get_campaign(session, campaign_id)
    f = await campaigns.get_file(session, campaign_id, file_id)
    data = await review.bundle(rt, session, c, f, now=rt.clock.now())
    name = f"casefile-review-{f.id}.zip"
    return Response(data, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'})
