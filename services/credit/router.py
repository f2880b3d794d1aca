"""Credit HTTP API (mounted under ``/v1``): credit records and the notice served with a penalty."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.credit import service
from services.credit.notice import build_notice
from services.credit.schemas import CreditRecordRead, NoticeRead
from shared.auth import BUREAU_ROLES, GLOBAL_ROLES, CurrentUser, Principal, ensure_can_see
from shared.problems import Problem, invalid, not_found
from shared.service import LegacySession
from shared.uscc import USCCError, validate

router = APIRouter(tags=["credit"])

_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}


def _records_scope(user: Principal, uscc: str) -> str | None:
    """Which bureau's records of ``uscc`` the caller may list (None = all); 403 if none.

    Auditors, admins, the platform and services see every record; officers, legal reviewers and
    leaders only their bureau's; an enterprise only its own USCC.
    """
    if user.has(*GLOBAL_ROLES):
        return None
    if user.has(*BUREAU_ROLES) and user.bureau:
        return user.bureau
    if user.has("enterprise") and user.uscc == uscc:
        return None
    raise Problem(403, "out_of_scope", "these credit records belong to another enterprise")


@router.get("/enterprises/{uscc}/records", response_model=list[CreditRecordRead], responses=PROBLEMS)
async def list_enterprise_records(
    uscc: Annotated[str, Path(description="统一社会信用代码")], user: CurrentUser, session: LegacySession
) -> list[CreditRecordRead]:
    """An enterprise's credit records (newest decision first), limited to what the caller may see."""
    try:
        uscc = validate(uscc)
    except USCCError as e:
        raise invalid("uscc", str(e), code="invalid_uscc") from e
    bureau = _records_scope(user, uscc)
    today = service.today_in_china()
    return [
        service.to_read(r, today=today) for r in await service.list_records(session, uscc=uscc, bureau=bureau)
    ]


@router.get("/records/{record_id}", response_model=CreditRecordRead, responses=PROBLEMS)
async def get_record(record_id: str, user: CurrentUser, session: LegacySession) -> CreditRecordRead:
    record = await service.get_record(session, record_id)
    if record is None:
        raise not_found("credit record", record_id)
    ensure_can_see(user, bureau=record.bureau, uscc=record.uscc, what="this credit record")
    return service.to_read(record, today=service.today_in_china())


@router.get("/notices/{case_id}", response_model=NoticeRead, responses=PROBLEMS)
async def get_notice(case_id: str, user: CurrentUser, session: LegacySession) -> NoticeRead:
    """环保信用失信记录告知书 + 信用修复指引 for a penalised case (an exemption has no credit record, so no notice)."""
    record = await service.get_record_for_case(session, case_id)
    if record is None:
        raise Problem(
            404,
            "not_found",
            f"case {case_id} has no credit record (no penalty decision received for it)",
            resource="credit notice",
        )
    ensure_can_see(user, bureau=record.bureau, uscc=record.uscc, what="this credit notice")
    return build_notice(record, today=service.today_in_china())
