"""Serving a case's documents: load what the document needs, build it (pure), render the PDF."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import workflow
from services.cases.advice.service import to_read as advice_read
from services.cases.bureaus import service as bureaus
from services.cases.case.records import case_records
from services.cases.case.service import load_visible, read_case, snapshot
from services.cases.clients import checklist as checklist_client
from services.cases.clients import credit as credit_client
from services.cases.documents import content as documents
from services.cases.models import AdviceLetter, Bureau, Case, Enterprise, Evidence, Officer
from shared.auth import Principal
from shared.problems import Problem, not_found
from shared.service import Runtime


def _unavailable(kind: str, why: str) -> Problem:
    return Problem(409, "document_not_available", f"the {kind} document is not available: {why}", kind=kind)


async def violation_titles(rt: Runtime, user: Principal, case_id: str) -> dict[str, str]:
    """The case's violations' guidance item titles (the checklist's reference data, cached) — asked before the
    caller's session connects: the reference generation is read in a session of its own (SQLite has one)."""
    return await _titles(rt, await snapshot(rt, user, case_id))


async def case_document(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, kind: str,
                        titles: dict[str, str] | None = None, decision: dict[str, Any] | None = None) -> tuple[bytes, str]:
    """The document as PDF (``case_doc`` rendered, in a thread)."""
    doc, name = await case_doc(rt, session, user, case_id, kind, titles, decision)
    return await asyncio.to_thread(documents.render, doc), name


async def case_doc(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, kind: str,
                   titles: dict[str, str] | None = None, decision: dict[str, Any] | None = None) -> tuple[documents.Doc, str]:
    """The document, built (not yet rendered: the worker renders it with no session open). ``titles``: the violations' titles (``violation_titles``) when the caller's session
    is already connected; without them they are asked here, so ``session`` must not have connected yet.
    ``decision``: what a corrected decision changes in the decision on record (its 文号, the 文号 it
    ``replaces``, the fine and kinds after the change — ``documents.issued``). Served as issued: ``issued``."""
    if kind not in documents.KINDS:
        raise not_found("document kind", f"{kind} (one of {', '.join(documents.KINDS)})")
    if titles is None and kind in ("decision", "notice", "hearing_notice", "compliance_advice"):
        titles = await violation_titles(rt, user, case_id)
    case_row = await load_visible(session, user, case_id)
    case = (await read_case(session, case_row, rt.clock.today())).model_dump(mode="json")
    ent = party(await session.get(Enterprise, case_row.uscc))
    letter_row = await session.scalar(select(AdviceLetter).where(AdviceLetter.case_id == case_id)
                                      .order_by(AdviceLetter.issued_at.desc()).limit(1))
    letter = advice_read(letter_row, rt.clock.today()).model_dump(mode="json") if letter_row else None
    if decision and case.get("decision"):
        case["decision"] = {**case["decision"], **decision}
    decision = case.get("decision") or {}
    if kind == "decision":
        if not decision:
            raise _unavailable(kind, "the case has no decision yet")
        number_kind = "no_penalty_decision" if decision.get("type") == workflow.EXEMPTION else "penalty_decision"
        authority = await bureaus.require(session, case_row.bureau, number_kind)  # 409 naming a missing setting
        if not decision.get("document_number"):
            raise _unavailable(kind, "the decision has no 文号 (decided before the bureau registry)")
        doc = documents.decision_doc(case, ent, await _context(session, case_row, authority, titles or {}))
    elif kind == "notice":
        notice = case_records(case_row).notice
        if notice is None:
            raise _unavailable(kind, "no 事先告知 has been made")
        authority = await bureaus.require(session, case_row.bureau, "notice", need=())
        if not notice.number:
            raise _unavailable(kind, "the notice has no 文号 (made before the bureau registry)")
        doc = documents.notice_doc(case, ent, await _context(session, case_row, authority, titles or {}))
    elif kind == "hearing_notice":
        hearing = case_records(case_row).hearing
        if hearing is None or hearing.scheduled_at is None:
            raise _unavailable(kind, "no hearing has been scheduled")
        authority = await bureaus.require(session, case_row.bureau, "hearing_notice", need=())
        if not hearing.number:
            raise _unavailable(kind, "the hearing was scheduled before the bureau registry (no 文号)")
        presider = await session.get(Officer, hearing.designated_presider or "")
        if presider is None or not presider.name:
            raise _unavailable(kind, f"the presider {hearing.designated_presider} is not on the officers register "
                                     "(POST /cases/v1/officers): the notice names the presider by name")
        doc = documents.hearing_notice_doc(case, ent, await _context(session, case_row, authority, titles or {}),
                                           hearing.model_dump(mode="json"), presider.name)
    elif kind == "compliance_advice":
        if letter is None and decision.get("type") != workflow.EXEMPTION:
            raise _unavailable(kind, "no compliance advice letter was issued for this case")
        authority = await bureaus.require(session, case_row.bureau, "compliance_advice", need=())
        if not (letter or {}).get("document_number") and not (decision.get("document_numbers") or {}).get(kind):
            raise _unavailable(kind, "the advice was issued before the bureau registry (no 文号)")
        doc = documents.compliance_advice_doc(case, ent, letter,
                                              await _context(session, case_row, authority, titles or {}))
    else:
        if decision.get("type") not in workflow.PENALTIES:
            raise _unavailable(kind, "only a penalty decision has a credit record")
        served = case_records(case_row).service
        notice = served.credit_notice if served else None
        if notice is None:
            assert rt.http is not None
            notice = await credit_client.notice(rt.http, case_id)
        if notice is None:
            raise _unavailable(kind, "the credit service has no record for this case yet")
        if kind == "credit_repair_guidance":
            authority = await bureaus.require(session, case_row.bureau, kind, need=())
            if not (decision.get("document_numbers") or {}).get(kind):
                raise _unavailable(kind, "the decision was made before the bureau registry (no 文号)")
        else:
            authority = await bureaus.require(session, case_row.bureau, "penalty_decision", need=())
        ctx = await _context(session, case_row, authority, {})
        doc = (documents.credit_record_notice_doc if kind == "credit_record_notice"
               else documents.credit_repair_guidance_doc)(notice, case, ent, ctx)
    return doc, f"{case['number']}-{kind}.pdf"


def party(ent_row: Enterprise | None) -> dict[str, Any]:
    """The party block's particulars (第五十九条第（一）项: 当事人的姓名或者名称、地址; and the 法定代表人 when known)."""
    if ent_row is None:
        return {}
    return {"name": ent_row.name, "address": ent_row.address, "legal_representative": ent_row.legal_representative}


async def _titles(rt: Runtime, case_row: Case) -> dict[str, str]:
    """The violations' guidance item titles (the checklist's reference data, cached)."""
    out: dict[str, str] = {}
    for v in case_row.violations or []:
        title = await checklist_client.item_title(rt, v["code"])
        if title:
            out[v["code"]] = title
    return out


async def _context(session: AsyncSession, case_row: Case, authority: Bureau, titles: dict[str, str]) -> dict[str, Any]:
    """What a document names besides the case: the authority, the handlers' names and 执法证号 (the register),
    the evidence, the violations' titles, the discretion calculation and the notice's provisions on record."""
    officers = {o.sub: o for o in (await session.scalars(
        select(Officer).where(Officer.sub.in_(list(case_row.handlers or []))))).all()}
    evidence = (await session.scalars(select(Evidence).where(Evidence.case_id == case_row.id)
                                      .order_by(Evidence.collected_at, Evidence.id))).all()
    recs = case_records(case_row)
    return {
        "authority": _authority(authority),
        "officers": [{"name": officers[s].name, "cert_no": officers[s].cert_no} for s in case_row.handlers or []
                     if s in officers and officers[s].cert_no],
        "evidence": [{"kind": e.kind, "description": e.description} for e in evidence],
        "titles": titles,
        "discretion": recs.discretion.model_dump(mode="json") if recs.discretion else None,
        "basis": [b.model_dump(mode="json") for b in recs.notice.basis] if recs.notice else [],
    }


def _authority(row: Bureau) -> dict[str, Any]:
    return {c: getattr(row, c) for c in ("name", "address", "contact", "reconsideration_body", "court", "payment",
                                         "example")}


async def advice_document(rt: Runtime, session: AsyncSession, user: Principal, letter_id: str) -> tuple[bytes, str]:
    doc, name = await advice_doc(rt, session, user, letter_id)
    return await asyncio.to_thread(documents.render, doc), name


async def advice_doc(rt: Runtime, session: AsyncSession, user: Principal, letter_id: str) -> tuple[documents.Doc, str]:
    from services.cases.advice.service import load

    row = await load(session, user, letter_id)
    letter = advice_read(row, rt.clock.today()).model_dump(mode="json")
    ent = party(await session.get(Enterprise, row.uscc))
    authority = await bureaus.require(session, row.bureau, "compliance_advice", need=())
    if not letter.get("document_number"):
        raise _unavailable("compliance_advice", "the letter was issued before the bureau registry (no 文号)")
    doc = documents.compliance_advice_doc({}, ent, letter, {"authority": _authority(authority)})
    return doc, f"{letter['number']}.pdf"
