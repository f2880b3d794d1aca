"""HTTP of 处罚决定公开: the bureau marks a decided penalty for publication or withdraws it
(``/cases/v1/cases/{id}/publication``, officer or leader of the case's bureau), and anyone reads what is
published, without a token (``/cases/v1/public/decisions``; ETag, Cache-Control, rate limit per address)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from services.cases.publication import service as publication
from services.cases.publication.schemas import (
    PublicationCreate,
    PublicationPreview,
    PublicationRead,
    PublicDecision,
    PublicDecisionList,
    WithdrawalCreate,
)
from shared import pagination
from shared.auth import Principal, require_roles
from shared.problems import PROBLEM_JSON
from shared.public import PUBLIC_RESPONSES, PUBLIC_TAG, PublicRead, cached_json
from shared.service import DbSession, RuntimeDep

router = APIRouter()

Staff = Annotated[Principal, require_roles("officer", "leader")]
Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service")]
PUBLIC_MAX_AGE = 60  # seconds: a withdrawal shows within a minute (第四十八条 allows three working days)
GONE = {410: {"content": {PROBLEM_JSON: {}}, "description": "no longer published: the withdrawal notice "
                                                            "(reasons, rule) or why publication ended"}}


@router.post("/cases/{case_id}/publication", status_code=201, response_model=PublicationRead, tags=["publication"])
async def mark_for_publication(case_id: str, body: PublicationCreate, user: Staff, rt: RuntimeDep, session: DbSession):
    """公开 — mark a decided penalty for publication on the public page (《行政处罚法》第四十八条: 具有一定社会
    影响的行政处罚决定应当依法公开; the bureau records its reason). The published text is a redacted snapshot:
    the 双公示 data items, personal data removed (names the case records or the body's ``redact`` lists or that
    follow a role such as 证人/举报人, telephone, ID and bank numbers in any spacing, e-mail, addresses below
    the district, licence plates; ``…/publication/preview`` shows it first). 409 when the case has no penalty decision, is marked
    already, or its publication period is over."""
    return await publication.mark(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/publication/preview", response_model=PublicationPreview, tags=["publication"])
async def preview_publication(case_id: str, body: PublicationCreate, user: Staff, rt: RuntimeDep, session: DbSession):
    """预览 — what marking the decision with this body would publish, nothing written: ``content`` as the
    public page would show it, ``source_facts`` (the facts before removal) and ``removed``: each part taken
    out (kind: id_number, mobile, landline, bank_account, email, address — below the district —,
    licence_plate, recorded_name — the legal representative, whoever made a statement —, name_in_context —
    a name after 证人、举报人、负责人 … —, named_by_officer — the body's ``redact``), with its place in both
    texts for highlighting (《个人信息保护法》第二十五条；《行政处罚法》第五十条). Same body and roles as
    marking; 409 when the case has no penalty decision or its publication period is over (a decision marked
    already is previewed, ``already_marked`` true)."""
    return await publication.preview(rt, session, user, case_id, body)


@router.get("/cases/{case_id}/publication", response_model=PublicationRead, tags=["publication"])
async def get_publication(case_id: str, user: Reader, rt: RuntimeDep, session: DbSession):
    return await publication.read(rt, session, user, case_id)


@router.post("/cases/{case_id}/publication/withdraw", response_model=PublicationRead, tags=["publication"])
async def withdraw_publication(case_id: str, body: WithdrawalCreate, user: Staff, rt: RuntimeDep, session: DbSession):
    """撤回 — the decision was changed, revoked, confirmed illegal or invalid (第四十八条第二款: within three
    working days, 第八十五条); the reasons are published in its place."""
    return await publication.withdraw(rt, session, user, case_id, body)


@router.get("/public/decisions", response_model=PublicDecisionList, tags=[PUBLIC_TAG], responses=PUBLIC_RESPONSES)
async def public_decisions(
    request: Request,
    _: PublicRead,
    rt: RuntimeDep,
    session: DbSession,
    bureau: Annotated[str | None, Query(max_length=40)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500, description=pagination.CURSOR_DESCRIPTION)] = None,
) -> Response:
    """Published penalty decisions, newest first — only those a bureau marked, only while their
    publication lasts, redacted. No token."""
    out = await publication.public_list(rt, session, bureau=bureau, year=year, page=page, size=size, cursor=cursor)
    return cached_json(request, out, max_age=PUBLIC_MAX_AGE)


@router.get("/public/decisions/{publication_id}", response_model=PublicDecision, tags=[PUBLIC_TAG],
            responses={**PUBLIC_RESPONSES, **GONE})
async def public_decision(
    request: Request, _: PublicRead, rt: RuntimeDep, session: DbSession,
    publication_id: Annotated[str, Path(max_length=36)],
) -> Response:
    """One published decision; 410 once withdrawn (with the reasons when it was changed or revoked)."""
    return cached_json(request, await publication.public_get(rt, session, publication_id), max_age=PUBLIC_MAX_AGE)
