"""Use cases of the no-penalty items (免罚清单 and the grounds of 《行政处罚法》第三十三条): the reads and the
evaluation of an item against a case's recorded facts (reads only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.facts import service as facts
from services.checklist.guidance.schemas import LegalBasis
from services.checklist.guidance.service import get_guidance_item
from services.checklist.guidance.store import get_versioned, latest_published
from services.checklist.models import NoPenaltyItem
from services.checklist.no_penalty.rules import (
    article_33,
    article_33_grounds,
    article_33_paragraphs,
    coverage,
    evaluate,
    not_established_note,
    with_article_33,
)
from services.checklist.no_penalty.schemas import (
    EvaluateAllRequest,
    EvaluateRequest,
    Evaluation,
    EvaluationList,
    NeededFact,
)
from shared import facts as fact_vocabulary
from shared.chinese_dates import cn_date
from shared.problems import not_found


async def list_no_penalty_items(session: AsyncSession, *, kind: str | None = None) -> list[NoPenaltyItem]:
    stmt = latest_published(NoPenaltyItem)
    if kind:
        stmt = stmt.where(NoPenaltyItem.kind == kind)
    # statutory grounds first, then list items, each by code
    return list(await session.scalars(stmt.order_by(NoPenaltyItem.kind.desc(), NoPenaltyItem.code)))


async def get_no_penalty_item(
    session: AsyncSession, *, code: str, version: int | None = None
) -> NoPenaltyItem | None:
    return await get_versioned(session, NoPenaltyItem, code=code, version=version)


def in_force_on(row: NoPenaltyItem, on: date) -> bool:
    """《行政处罚法》第三十七条 (issue 23 item 3): a version is in force from ``effective_from`` through
    ``effective_to`` (its last day, inclusive); an unset end is open (no date known)."""
    return (row.effective_from is None or row.effective_from <= on) and (row.effective_to is None or on <= row.effective_to)


async def version_in_force(session: AsyncSession, *, code: str, on: date) -> NoPenaltyItem | None:
    """The newest published version of ``code`` in force on ``on`` (None: no version is in force that day).
    A later version announced ahead (effective after ``on``) does not hide the one in force."""
    return await session.scalar(
        select(NoPenaltyItem)
        .where(NoPenaltyItem.code == code, NoPenaltyItem.status == "published",
               or_(NoPenaltyItem.effective_from.is_(None), NoPenaltyItem.effective_from <= on),
               or_(NoPenaltyItem.effective_to.is_(None), NoPenaltyItem.effective_to >= on))
        .order_by(NoPenaltyItem.version.desc()).limit(1)
    )


def _where(row: NoPenaltyItem) -> str:
    """Where a condition of ``row`` comes from, in Chinese: the article (a statutory ground) or the list item."""
    if row.kind == "statutory":
        b = (row.legal_basis or [{}])[0]
        return f"《{b.get('law', '')}》{b.get('article', '')}{b.get('clause') or ''}（{row.label or row.violation}）"
    return f"免罚清单事项 {row.code}（{row.violation}）"


def _needs(row: NoPenaltyItem, unmet: list[str], unknown: list[str], art33: Any,
           grounds: dict[str, NoPenaltyItem]) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Every fact the decision still needs, with its label and article: the item's own conditions, then —
    for a list item no ground of 《行政处罚法》第三十三条 (the paragraph it cites) is established for — each open
    ground's facts (not given: unknown; given false: unmet), so a not-eligible answer names what is missing."""
    unmet, unknown = list(unmet), list(unknown)
    texts = {c["key"]: c["text"] for c in [*row.conditions, *row.exceptions]}
    needs = [{"key": k, "label": texts.get(k, k), "state": state, "item": True, "article": _where(row)}
             for state, keys in (("unmet", unmet), ("unknown", unknown)) for k in keys]
    if art33 is not None and not art33.met:
        for checked in art33.grounds:
            g = grounds[checked["code"]]
            g_texts = {c["key"]: c["text"] for c in [*g.conditions, *g.exceptions]}
            for state, keys, into in (("unmet", checked["unmet"], unmet), ("unknown", checked["unknown"], unknown)):
                for k in keys:
                    if k in unmet or k in unknown:
                        continue
                    into.append(k)
                    needs.append({"key": k, "label": g_texts.get(k, k), "state": state, "item": False,
                                  "article": _where(g)})
    return unmet, unknown, needs


async def _not_covered_note(session: AsyncSession, codes: list[str]) -> str:
    """The violations the item does not apply to, by their titles in the guidance checklist (the codes are in
    ``not_covered``)."""
    titles = [g.title for c in codes if (g := await get_guidance_item(session, code=c)) is not None]
    if len(titles) != len(codes):
        return "本案有违法行为不在该事项的适用范围内，该事项不适用"
    return f"本案违法行为{'、'.join(f'“{t}”' for t in titles)}不在该事项的适用范围内，该事项不适用"


async def evaluate_item(
    session: AsyncSession, *, code: str, version: int | None, body: EvaluateRequest, checked: bool = False
) -> Evaluation:
    """The item's conditions against the facts (``rules.evaluate``), its coverage of the case's
    violations and, for a list item, a ground of 第三十三条 (of the paragraph it cites) established by the same
    facts. The facts are read with those they establish (``shared.facts.IMPLIED_BY``: no_harm ⇒ harm_minor).

    With ``body.on`` and no ``version``: the newest published version in force on that day; only when no
    version is in force does the (latest published) item answer ``in_force`` false."""
    if not checked:
        await facts.check(session, body.facts)
    row = None
    if version is None and body.on is not None:
        row = await version_in_force(session, code=code, on=body.on)
    if row is None:
        row = await get_no_penalty_item(session, code=code, version=version)
    if row is None:
        raise not_found("no-penalty item", code if version is None else f"{code} version {version}")
    # the recorded facts with those they establish (shared.facts.IMPLIED_BY: no_harm ⇒ harm_minor), as the
    # decision gate reads them
    known = fact_vocabulary.with_implied(body.facts)
    result = evaluate(
        conditions=row.conditions,
        exceptions=row.exceptions,
        facts=known,
        discretionary=row.discretionary,
    )
    cover = coverage(row.applies_to or [], body.violation_codes)
    art33 = None
    grounds: dict[str, NoPenaltyItem] = {}
    paragraphs: tuple[str, ...] = ()
    if row.kind == "list":
        # 第三十三条: the grounds of the paragraph the item cites (第二款: no subjective fault; else 第一款)
        paragraphs = article_33_paragraphs(row.legal_basis)
        grounds = {c: g for c in article_33_grounds(row.legal_basis)
                   if (g := await get_no_penalty_item(session, code=c)) is not None}
        art33 = article_33([(g.code, g.conditions, g.exceptions) for g in grounds.values()], known)
    unmet, unknown, needs = _needs(row, result.unmet, result.unknown, art33, grounds)
    notes = [result.note]
    if cover is not None and not cover.covers:
        notes.append(await _not_covered_note(session, cover.not_covered))
    if art33 is not None and not art33.met:
        notes.append(not_established_note(paragraphs))
    used = {c["key"] for r in (row, *grounds.values()) for c in [*r.conditions, *r.exceptions]}
    notes += [fact_vocabulary.IMPLIED_BASIS[k] for k in fact_vocabulary.implied(body.facts) if k in used]
    in_force = None if body.on is None else in_force_on(row, body.on)
    if in_force is False and body.on is not None:
        if row.effective_from is not None and body.on < row.effective_from:
            notes.append(f"该事项自{cn_date(row.effective_from)}起施行，{cn_date(body.on)}尚未生效，不适用"
                         "（《行政处罚法》第三十七条）")
        else:
            notes.append(f"该事项施行至{cn_date(row.effective_to)}，{cn_date(body.on)}已失效，不适用"
                         "（《行政处罚法》第三十七条）")
    if row.note:
        notes.append(row.note)
    eligible = (result.eligible and (cover is None or cover.covers) and (art33 is None or art33.met)
                and in_force is not False)
    return Evaluation(
        code=row.code,
        kind=row.kind,
        item_version=row.version,
        list_version=row.list_version,
        violation=row.violation,
        source=row.source,
        eligible=eligible,
        met=result.met,
        unmet=unmet,
        unknown=unknown,
        needs=[NeededFact.model_validate(n) for n in needs],
        discretionary=row.discretionary,
        outcome=result.outcome if eligible else "not_eligible",
        legal_basis=[LegalBasis.model_validate(b) for b in with_article_33(row.legal_basis)],
        note="。".join(notes),
        applies_to=list(row.applies_to or []),
        covers=None if cover is None else cover.covers,
        not_covered=[] if cover is None else cover.not_covered,
        effective_from=row.effective_from, effective_to=row.effective_to, in_force=in_force,
        article_33=None if art33 is None else {"met": art33.met, "ground": art33.ground, "grounds": art33.grounds,
                                               "paragraphs": list(paragraphs)},
    )


async def evaluate_all(session: AsyncSession, *, body: EvaluateAllRequest) -> EvaluationList:
    """Every item (of ``body.kind``) whose ``applies_to`` covers all the case's violations, evaluated on
    the facts as ``evaluate_item`` does; ``must`` names the eligible items that say 不予 (not discretionary).
    With ``body.on`` each item in its version in force that day; an item not in force then is not eligible,
    so it is never in ``must`` (a must item not yet in force, or expired, forbids no penalty)."""
    await facts.check(session, body.facts)
    rows = await list_no_penalty_items(session, kind=body.kind)
    req = EvaluateRequest(facts=body.facts, violation_codes=body.violation_codes, on=body.on)
    items: list[Evaluation] = []
    for row in rows:
        if body.on is not None:
            # 第三十七条: the version in force on the decision date (a later one may be announced ahead)
            row = await version_in_force(session, code=row.code, on=body.on) or row
        cover = coverage(row.applies_to or [], body.violation_codes)
        if cover is not None and not cover.covers:
            continue
        items.append(await evaluate_item(session, code=row.code, version=row.version, body=req, checked=True))
    must = [e.code for e in items if e.eligible and not e.discretionary]
    return EvaluationList(items=items, must=must, total=len(items))
