"""Public reads of the checklist service (thin; each in the request's unit of work), no token (``/checklist/v1/public/...``): the published guidance
checklist with Chinese substring search (公布, 试点方案 三（一）), the no-penalty list and the statutory
grounds (免罚清单), the discretion benchmarks each bureau applies (《行政处罚法》第三十四条: 裁量基准应当
向社会公布), typical cases (以案释法) and a self-check that stores nothing.

Only the latest published version of an item is public: drafts, superseded and retired versions, the
self-check history, bureau choices' authors and typical cases' authors stay behind a token. Answers are
cached (``ETag``, ``Cache-Control``) and rate-limited per client address (``shared.public``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from services.checklist.discretion.rule_sets import RuleSet, catalog
from services.checklist.discretion.service import active_rule_set, default_rule_set, rule_set_named
from services.checklist.facts import service as facts_service
from services.checklist.facts.router import Fact, facts_out
from services.checklist.guidance import service as guidance
from services.checklist.guidance.schemas import GuidanceItem, RiskLevel
from services.checklist.no_penalty import service as no_penalty
from services.checklist.no_penalty.rules import ARTICLE_33_GROUNDS, article_33_paragraphs
from services.checklist.programme import selfcheck
from services.checklist.programme import service as programme
from services.checklist.public import service
from services.checklist.public.schemas import (
    AssessIn,
    AssessOut,
    BureauBenchmark,
    Industry,
    IndustryList,
    PublicAlternative,
    PublicBenchmarks,
    PublicCondition,
    PublicFactor,
    PublicGuidanceItem,
    PublicGuidanceList,
    PublicNoPenaltyItem,
    PublicNoPenaltyList,
    PublicRuleSet,
    PublicTypicalCase,
    PublicTypicalCaseList,
    TypicalCaseItem,
)
from shared import law
from shared.problems import invalid, not_found
from shared.public import PUBLIC_RESPONSES, PUBLIC_TAG, PublicRead, cached_json
from shared.service import DbSession

router = APIRouter(prefix="/public", tags=[PUBLIC_TAG], responses=PUBLIC_RESPONSES)

CATALOG_MAX_AGE = 300  # seconds: the catalog changes only with a new published version
ARTICLE_34 = f"{law.APL}第三十四条：行政机关可以依法制定行政处罚裁量基准，规范行使行政处罚裁量权。行政处罚裁量基准应当向社会公布。"
ARTICLE_33 = (f"{law.APL}第三十三条：违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。初次违法且危害后果轻微"
              "并及时改正的，可以不予行政处罚。当事人有证据足以证明没有主观过错的，不予行政处罚。法律、行政法规另有规定的，"
              "从其规定。对当事人的违法行为依法不予行政处罚的，行政机关应当对当事人进行教育。")
KIND_LABEL = {"statutory": "法定不予处罚情形（《行政处罚法》第三十三条）", "list": "免罚清单事项"}
Code = Annotated[str, Path(min_length=1, max_length=64)]


def _public_item(row) -> PublicGuidanceItem:
    # GuidanceItem adds the provenance statement; the public model then keeps only published fields.
    return PublicGuidanceItem.model_validate(GuidanceItem.model_validate(row).model_dump())


@router.get("/guidance-items", response_model=PublicGuidanceList)
async def public_guidance_items(
    request: Request,
    _: PublicRead,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=50, description="Chinese substring (1 character or more) of the "
                                   "title, common violations, legal basis (with article text) or advice")] = None,
    risk_level: RiskLevel | None = None,
    domain: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """The published guidance checklist (latest published version of each item); with ``q``, the items
    containing it, title hits first. No token.

    With ``q`` the total is counted up to 1,000 hits: past it ``total_is_exact`` is ``false`` and more
    than ``total`` items match."""
    query = (q or "").strip() or None
    rows, total, exact = await guidance.list_guidance_items(
        session, q=query, risk_level=risk_level, domain=domain, page=page, size=size
    )
    out = PublicGuidanceList(items=[_public_item(r) for r in rows], total=total, total_is_exact=exact, q=query)
    return cached_json(request, out, max_age=CATALOG_MAX_AGE)


@router.get("/guidance-items/{code}", response_model=PublicGuidanceItem)
async def public_guidance_item(request: Request, _: PublicRead, session: DbSession, code: Code) -> Response:
    """One item as published now. Older, draft and retired versions are not public."""
    row = await guidance.get_guidance_item(session, code=code)
    if row is None:
        raise not_found("published guidance item", code)
    return cached_json(request, _public_item(row), max_age=CATALOG_MAX_AGE)


def _conditions(items: list[dict]) -> list[PublicCondition]:
    return [PublicCondition(text=c["text"]) for c in items or []]


def _article_33(grounds: dict, paragraphs: tuple[str, ...]) -> tuple[list[PublicAlternative], str]:
    """The grounds of 《行政处罚法》第三十三条 a list item needs besides its own conditions (one of them in full):
    those of the paragraph its legal basis cites (第二款: 没有主观过错; else 第一款: 轻微不罚、首违可不罚), from the
    published statutory grounds themselves, and the sentence that says so."""
    alternatives = []
    for code in (c for p in paragraphs for c in ARTICLE_33_GROUNDS[p]):
        g = grounds.get(code)
        if g is None:
            continue
        basis = (g.legal_basis or [{}])[0]
        alternatives.append(PublicAlternative(
            label=g.label or g.violation, article=f"《{basis.get('law', '')}》{basis.get('article', '')}"
                                                  f"{basis.get('clause') or ''}",
            conditions=_conditions(g.conditions), exceptions=_conditions(g.exceptions),
            outcome="可以不予行政处罚" if g.discretionary else "不予行政处罚"))
    if not alternatives:
        return [], ""

    def one(a: PublicAlternative) -> str:
        return (f"{'、'.join(c.text for c in a.conditions)}（{a.article}，{a.outcome}"
                + "".join(f"；{e.text}" for e in a.exceptions) + "）")

    where = f"《中华人民共和国行政处罚法》第三十三条{'、'.join(paragraphs)}规定的"
    if len(alternatives) == 1:
        return alternatives, f"除上列条件外，还须同时符合{where}情形：{one(alternatives[0])}。"
    numbered = "；".join(f"（{i}）{one(a)}" for i, a in enumerate(alternatives, start=1))
    return alternatives, f"除上列条件外，还须同时符合{where}下列情形之一：{numbered}。"


@router.get("/no-penalty-items", response_model=PublicNoPenaltyList)
async def public_no_penalty_items(request: Request, _: PublicRead, session: DbSession) -> Response:
    """The statutory grounds (《行政处罚法》第三十三条, outside any list) and the loaded list's items, each
    with its conditions in plain Chinese. A list item also says what else an exemption needs
    (``article_33``, ``requirement``): the grounds of the paragraph of 第三十三条 its legal basis cites (第二款:
    没有主观过错; otherwise 第一款, which the lists implement), one of which must be established too."""
    rows = await no_penalty.list_no_penalty_items(session)
    grounds = {r.code: r for r in rows if r.kind == "statutory"}
    by_paragraphs: dict[tuple[str, ...], tuple[list[PublicAlternative], str]] = {}
    items = []
    for r in rows:
        alternatives, requirement, paragraphs = [], None, ()
        if r.kind == "list":
            paragraphs = article_33_paragraphs(r.legal_basis)
            if paragraphs not in by_paragraphs:
                by_paragraphs[paragraphs] = _article_33(grounds, paragraphs)
            alternatives, requirement = by_paragraphs[paragraphs]
        items.append(PublicNoPenaltyItem(
            code=r.code, version=r.version, kind=r.kind, kind_label=KIND_LABEL[r.kind], list_version=r.list_version,
            label=r.label, violation=r.violation, applies_to=list(r.applies_to), legal_basis=r.legal_basis,
            conditions=_conditions(r.conditions), exceptions=_conditions(r.exceptions),
            article_33=alternatives, article_33_paragraphs=list(paragraphs), requirement=requirement,
            outcome="可以不予行政处罚（是否不予处罚由执法机关决定）" if r.discretionary else "不予行政处罚",
            discretionary=r.discretionary, effective_from=r.effective_from, effective_to=r.effective_to,
            source=r.source, verified=r.verified,
            note=r.note,
        ))
    return cached_json(request, PublicNoPenaltyList(items=items, total=len(items), basis=ARTICLE_33),
                       max_age=CATALOG_MAX_AGE)


@router.get("/facts", response_model=list[Fact])
async def public_facts(request: Request, _: PublicRead, session: DbSession) -> Response:
    """事实词汇表 (as ``GET /checklist/v1/facts``): what each condition of the no-penalty list and each
    discretion factor means, in Chinese, with its source."""
    vocab = facts_out(await facts_service.vocabulary(session))
    return cached_json(request, [f.model_dump(mode="json", exclude_none=True) for f in vocab], max_age=CATALOG_MAX_AGE)


def _public_rule_set(rs: RuleSet) -> PublicRuleSet:
    return PublicRuleSet(
        name=rs.name, version=rs.version, rule_version=rs.rule_version, title=rs.title, method=rs.method,
        status=rs.status, status_note=rs.raw.get("status_note"), effective_from=rs.effective_from,
        effective_to=rs.effective_to, source=rs.source, verified=rs.verified, caveat=rs.raw.get("caveat"),
        factors=[
            PublicFactor(key=f.key, text=f.text, kind=f.kind, effect=f.effect, article=f.article,
                         levels=list(f.levels), labels=dict(f.labels),
                         options=[{"value": v, "text": t, "pct": p} for v, t, p in f.options], note=f.note)
            for f in rs.all_factors()
        ],
        behaviours=[{"id": b.id, "title": b.title, "applies_to": list(b.applies_to)} for b in rs.behaviours],
        settings=rs.settings,
    )


async def _benchmarks(session) -> PublicBenchmarks:
    default, default_by = default_rule_set()
    rows = await service.bureau_settings(session)
    bureaus = [BureauBenchmark(bureau=r.bureau, rule_set=r.rule_set, chosen_by=f"bureau setting of {r.bureau}")
               for r in rows]
    in_use = [default.name] + [b.rule_set for b in bureaus if b.rule_set != default.name]
    _, _, overlay, default_note = catalog()
    return PublicBenchmarks(
        basis=ARTICLE_34,
        default=BureauBenchmark(bureau="*", rule_set=default.name, chosen_by=default_by),
        default_note=default_note.get("reason"),
        bureaus=bureaus,
        rule_sets=[_public_rule_set(rule_set_named(n)) for n in dict.fromkeys(in_use)],
        statutory_overlay={"mitigation_article": overlay.mitigation_article, "rectification": overlay.rectification,
                           "settings": overlay.settings},
    )


@router.get("/benchmarks", response_model=PublicBenchmarks)
async def public_benchmarks(request: Request, _: PublicRead, session: DbSession) -> Response:
    """裁量基准 in force: the default rule set, each bureau's choice, and every rule set in use with its
    factors, sources and labelled local settings. Rule sets no bureau applies are not listed."""
    return cached_json(request, await _benchmarks(session), max_age=CATALOG_MAX_AGE)


@router.get("/benchmarks/{bureau}", response_model=PublicRuleSet)
async def public_bureau_benchmark(
    request: Request, _: PublicRead, session: DbSession, bureau: Annotated[str, Path(min_length=1, max_length=20)]
) -> Response:
    """The rule set the bureau applies (its own choice, else the default)."""
    rs, _ = await active_rule_set(session, bureau)
    return cached_json(request, _public_rule_set(rs), max_age=CATALOG_MAX_AGE)


@router.get("/typical-cases", response_model=PublicTypicalCaseList)
async def public_typical_cases(
    request: Request,
    _: PublicRead,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=50)] = None,
    item_code: Annotated[str | None, Query(max_length=64)] = None,
    bureau: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    """典型案例 (anonymised when published), newest year first; ``q`` searches them. Each carries where it
    was published (``source_url``, ``source_publisher``, ``source_date``, ``verified``) and ``source_line``,
    the plain Chinese line the portal shows ("来源：…，2024年11月11日发布")."""
    rows = await programme.list_typical_cases(
        session, q=(q or "").strip() or None, item_code=item_code, bureau=bureau, year=year
    )
    titles = await programme.item_titles(session, {c for r in rows for c in r.item_codes})
    items = [
        PublicTypicalCase.model_validate(r).model_copy(update={
            "items": [TypicalCaseItem(code=c, title=titles[c]) for c in r.item_codes if c in titles],
            "source_line": programme.source_line(r.source_publisher, r.source_date),
        })
        for r in rows
    ]
    return cached_json(request, PublicTypicalCaseList(items=items, total=len(items)), max_age=CATALOG_MAX_AGE)


@router.get("/self-checks/industries", response_model=IndustryList)
async def public_industries(request: Request, _: PublicRead) -> Response:
    """Industries with their own questionnaire scope (a setting); any other industry gets every domain."""
    p = selfcheck.profiles()
    items = [Industry(name=k, domains=list(v)) for k, v in p["industries"].items()]
    return cached_json(request, IndustryList(items=items, note=p["note"]), max_age=CATALOG_MAX_AGE)


@router.get("/self-checks/questionnaire")
async def public_questionnaire(
    request: Request, _: PublicRead, session: DbSession,
    industry: Annotated[str, Query(min_length=1, max_length=100)],
) -> Response:
    """The questionnaire for an industry, built from the published items (the same as with a token)."""
    version, questions = await programme.questionnaire(session, industry)
    return cached_json(request, {
        "industry": industry, "version": version, "domains": selfcheck.domains_for(industry),
        "questions": [q.__dict__ for q in questions], "answers": list(selfcheck.ANSWERS),
        "note": selfcheck.profiles()["note"],
    }, max_age=CATALOG_MAX_AGE)


@router.post("/self-checks/assess", response_model=AssessOut)
async def public_assess(_: PublicRead, session: DbSession, body: AssessIn) -> AssessOut:
    """自查自纠 without an account: the risk report of the answers — matched items with risk level and
    advice, unanswered questions, the score. Nothing is stored and no event is sent."""
    if not body.industry.strip():
        raise invalid("industry", "name an industry")
    version, questions, _, report = await programme.assess_answers(session, body.industry.strip(), body.answers)
    return AssessOut(
        industry=body.industry.strip(), questionnaire_version=version, questions=len(questions), risks=report.risks,
        unanswered=report.unanswered, score=report.score, score_note=selfcheck.profiles()["weights"]["text"],
    )
