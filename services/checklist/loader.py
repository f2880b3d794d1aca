"""The bundled catalog data (``data/*.yaml``): parsed and validated into rows by pure functions, and
``seed`` that loads them into an empty database.

The files are verbatim copies of the project's domain data. Their ``source`` and ``verified`` flags
are carried into every row unchanged (never upgraded by hand, never filled from memory).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import func, select, text

from services.checklist.guidance import importing
from services.checklist.guidance.schemas import GuidanceItemCreate
from services.checklist.models import MODALITIES, GuidanceItem, NoPenaltyItem
from services.checklist.no_penalty import importing as no_penalty_import
from services.checklist.programme.schemas import TypicalCaseIn

if TYPE_CHECKING:
    from shared.service import Runtime

log = logging.getLogger("ecocomply.checklist.loader")

DATA_DIR = Path(__file__).parent / "data"
GUIDANCE_FILE = "guidance_items.yaml"
STATUTORY_FILE = "statutory_no_penalty.yaml"
EXAMPLE_LIST_FILE = "example_no_penalty_items.yaml"
TYPICAL_CASES_FILE = "typical_cases.yaml"

# The compiled starter checklist is one batch; an official list is imported under its own batch name.
STARTER_BATCH = "starter"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataError(ValueError):
    """The bundled data does not have the shape the catalog needs (names the file and the item)."""


@functools.cache
def read_data(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as f:
        doc = yaml.load(f, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    if not isinstance(doc, dict):
        raise DataError(f"{name}: expected a mapping at the top level")
    return doc


# -- helpers ---------------------------------------------------------------------------------------
def _req(obj: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
    value = obj.get(key)
    if value is None or not isinstance(value, kind) or (isinstance(value, str | list) and not value):
        raise DataError(f"{where}: field {key!r} is missing, empty or not a {kind}")
    return value


def _str_list(obj: Mapping[str, Any], key: str, where: str, *, allow_empty: bool = False) -> list[str]:
    value = obj.get(key)
    if value is None and allow_empty:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DataError(f"{where}: field {key!r} must be a list of non-empty strings")
    if not value and not allow_empty:
        raise DataError(f"{where}: field {key!r} must not be empty")
    return list(value)


def _unique(codes: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for c in codes:
        if c in seen:
            raise DataError(f"{what}: code {c!r} occurs twice")
        seen.add(c)


def _conditions(raw: Any, where: str, *, text_key: str) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        raise DataError(f"{where}: conditions must be a non-empty list")
    out = []
    for i, c in enumerate(raw):
        w = f"{where}.conditions[{i}]"
        out.append({"key": _req(c, "key", w), "text": _req(c, text_key, w)})
    _unique((c["key"] for c in out), f"{where}.conditions")
    return out


def _date(value: Any, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as e:
        raise DataError(f"{where}: {value!r} is not a date") from e


# -- 合规指导清单 -------------------------------------------------------------------------------------
def guidance_items(doc: Mapping[str, Any], *, file: str = GUIDANCE_FILE) -> list[GuidanceItemCreate]:
    """The items of a guidance file in the domain format, validated by the import path (the same
    models as ``POST /guidance-items``); ``DataError`` names every bad item and field."""
    meta = _req(doc, "meta", file, dict)
    _req(meta, "source_repo", f"{file}.meta")
    items = _req(doc, "items", file, list)
    expected = meta.get("item_count")
    if expected is not None and expected != len(items):
        raise DataError(f"{file}: meta.item_count is {expected} but {len(items)} items are listed")
    rows = importing.rows_from_doc(doc, default_batch=STARTER_BATCH)
    good, errors = importing.validate(rows)
    if errors:
        raise DataError(
            f"{file}: " + "; ".join(f"item {e.row} ({e.code}) {e.field}: {e.message}" for e in errors)
        )
    return good


# -- 《行政处罚法》第三十三条 (不予行政处罚) ----------------------------------------------------------
def statutory_rows(doc: Mapping[str, Any], *, now: datetime) -> list[dict[str, Any]]:
    """Rows for ``no_penalty_items`` of kind ``statutory``: the grounds of 《行政处罚法》第三十三条,
    code ``APL33.<ground id>``; they apply to any violation (``applies_to`` empty)."""
    src = _req(doc, "source", STATUTORY_FILE, dict)
    law = _req(src, "law", f"{STATUTORY_FILE}.source")
    law_version = _req(src, "version", f"{STATUTORY_FILE}.source")
    source = f"{_req(src, 'repo', STATUTORY_FILE)}@{_req(src, 'commit', STATUTORY_FILE)}:{_req(src, 'path', STATUTORY_FILE)}"
    art = _req(doc, "article_33", STATUTORY_FILE, dict)
    article = _req(art, "article", f"{STATUTORY_FILE}.article_33")
    education = (art.get("education_duty") or {}).get("text")
    rows = []
    for i, g in enumerate(_req(art, "grounds", f"{STATUTORY_FILE}.article_33", list)):
        gid = _req(g, "id", f"{STATUTORY_FILE}.article_33.grounds[{i}]")
        where = f"{STATUTORY_FILE}:article_33.{gid}"
        modality = _req(g, "modality", where)
        if modality not in MODALITIES:
            raise DataError(f"{where}: modality {modality!r} is not one of {MODALITIES}")
        if g.get("condition_logic", "all") != "all":
            raise DataError(f"{where}: only condition_logic 'all' is supported")
        ground_text = _req(g, "text", where)
        exception = g.get("exception")
        notes = [
            n
            for n in (g.get("modality_note"), g.get("burden_of_proof") and f"举证：{g['burden_of_proof']}")
            if n
        ]
        if education:
            notes.append(f"第三十三条第三款：{education}")
        rows.append(
            {
                "code": f"APL33.{gid}",
                "version": 1,
                "kind": "statutory",
                "list_version": law_version,
                "label": g.get("label_cn"),
                "violation": ground_text,
                "applies_to": [],
                "legal_basis": [
                    {
                        "law": law,
                        "article": article,
                        "clause": _req(g, "clause", where),
                        "text_excerpt": ground_text,
                    }
                ],
                "conditions": _conditions(g.get("conditions"), where, text_key="text_cn"),
                "exceptions": (
                    [{"key": _req(exception, "key", where), "text": _req(exception, "text_cn", where)}]
                    if exception
                    else []
                ),
                "condition_logic": "all",
                "modality": modality,
                "status": "published",
                "discretionary": modality == "may",
                "effective_from": None,
                "effective_to": None,
                "source": source,
                "verified": True,  # statutory_no_penalty.yaml: verbatim text of the law, script-checked
                "note": "；".join(notes) or None,
                "created_at": now,
            }
        )
    _unique((r["code"] for r in rows), STATUTORY_FILE)
    return rows


# -- 免罚清单 (list items) ---------------------------------------------------------------------------
def list_rows(
    doc: Mapping[str, Any], *, now: datetime, file: str = EXAMPLE_LIST_FILE
) -> list[dict[str, Any]]:
    """Rows for ``no_penalty_items`` of kind ``list`` from a no-penalty list file."""
    meta = _req(doc, "list", file, dict)
    list_version = str(_req(meta, "list_version", f"{file}.list", (str, int)))
    effective_from = _date(meta.get("effective_from"), f"{file}.list.effective_from")
    effective_to = _date(meta.get("effective_to"), f"{file}.list.effective_to")
    rows = []
    for i, item in enumerate(_req(doc, "items", file, list)):
        code = _req(item, "code", f"{file}.items[{i}]")
        where = f"{file}:{code}"
        modality = _req(item, "modality", where)
        if modality not in MODALITIES:
            raise DataError(f"{where}: modality {modality!r} is not one of {MODALITIES}")
        verified = item.get("verified")
        if not isinstance(verified, bool):
            raise DataError(f"{where}: verified must be true or false")
        basis = []
        for j, b in enumerate(_req(item, "legal_basis", where, list)):
            w = f"{where}.legal_basis[{j}]"
            basis.append(
                {k: str(v) for k, v in b.items() if v is not None}
                | {"law": _req(b, "law", w), "article": _req(b, "article", w)}
            )
        rows.append(
            {
                "code": code,
                "version": 1,
                "kind": "list",
                "list_version": list_version,
                "label": None,
                "violation": _req(item, "violation", where),
                "applies_to": _str_list(item, "applies_to", where, allow_empty=True),
                "legal_basis": basis,
                "conditions": _conditions(item.get("conditions"), where, text_key="text"),
                "exceptions": [],
                "condition_logic": "all",
                "modality": modality,
                "status": "published",
                "discretionary": modality == "may",
                "effective_from": effective_from,
                "effective_to": effective_to,
                "source": _req(item, "source", where),
                "verified": verified,
                "note": item.get("note"),
                "created_at": now,
            }
        )
    _unique((r["code"] for r in rows), file)
    return rows


# -- 《行政处罚法》第三十二条 (从轻/减轻) ------------------------------------------------------------
def circumstances(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The mitigating circumstances of 《行政处罚法》第三十二条: any one of them requires a lighter or
    mitigated penalty (“应当从轻或者减轻”); the article leaves the choice between the two open."""
    src = _req(doc, "source", STATUTORY_FILE, dict)
    law = _req(src, "law", f"{STATUTORY_FILE}.source")
    art = _req(doc, "article_32", STATUTORY_FILE, dict)
    article = _req(art, "article", f"{STATUTORY_FILE}.article_32")
    out = []
    for i, s in enumerate(_req(art, "situations", f"{STATUTORY_FILE}.article_32", list)):
        where = f"{STATUTORY_FILE}:article_32.situations[{i}]"
        out.append(
            {
                "key": _req(s, "key", where),
                "kind": "mitigating",
                "effect": "lighter",
                "effects": ["lighter", "mitigated"],
                "text": _req(s, "text_cn", where),
                "article": f"《{law}》{article}第{_req(s, 'item', where)}项",
                "modality": s.get("modality", art.get("modality", "must")),
                "verified": True,
            }
        )
    _unique((c["key"] for c in out), f"{STATUTORY_FILE}.article_32")
    return out


# -- 典型案例 (published cases with their sources) ----------------------------------------------------
# a folded YAML block joins its lines with a space; Chinese text has none next to a CJK character
_FOLD_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) | (?=[\u3000-\u9fff\uff00-\uffef])")
_CASE_TEXTS = ("title", "summary", "outcome", "lesson", "source_note")


def typical_cases(doc: Mapping[str, Any], *, file: str = TYPICAL_CASES_FILE) -> list[dict[str, Any]]:
    """The bundled typical cases, validated by the admin path's model (``POST /typical-cases``); each
    must name its source page, publishing body, publication date and ``verified`` flag."""
    meta = _req(doc, "meta", file, dict)
    cases = _req(doc, "cases", file, list)
    if meta.get("case_count") is not None and meta["case_count"] != len(cases):
        raise DataError(f"{file}: meta.case_count is {meta['case_count']} but {len(cases)} cases are listed")
    out = []
    for i, raw in enumerate(cases):
        where = f"{file}:cases[{i}]"
        for key in ("source_url", "source_publisher", "source_date"):
            _req(raw, key, where)
        if not isinstance(raw.get("verified"), bool):
            raise DataError(f"{where}: verified must be true or false")
        raw = {k: _FOLD_SPACE.sub("", v) if k in _CASE_TEXTS and isinstance(v, str) else v for k, v in raw.items()}
        try:
            out.append(TypicalCaseIn.model_validate(raw).model_dump())
        except ValueError as e:
            raise DataError(f"{where}: {e}") from e
    _unique((c["code"] for c in out), file)
    return out


def bundled_typical_cases() -> list[dict[str, Any]]:
    return typical_cases(read_data(TYPICAL_CASES_FILE))


def bundled_guidance_items() -> list[GuidanceItemCreate]:
    return guidance_items(read_data(GUIDANCE_FILE))


def bundled_no_penalty_rows(now: datetime) -> list[dict[str, Any]]:
    return statutory_rows(read_data(STATUTORY_FILE), now=now) + list_rows(
        read_data(EXAMPLE_LIST_FILE), now=now
    )


@functools.cache
def bundled_circumstances() -> tuple[dict[str, Any], ...]:
    return tuple(circumstances(read_data(STATUTORY_FILE)))


# -- seeding ---------------------------------------------------------------------------------------
async def seed(runtime: Runtime) -> None:
    """Load the bundled catalog into empty tables, in one transaction; a no-op once loaded (runs on
    every start). Concurrent starters are serialised: SQLite transactions begin IMMEDIATE, PostgreSQL
    takes a table lock that conflicts with itself."""
    now = runtime.clock.now()
    # the seed is a handler (run at start and by ``ecocomply seed``), so it owns its one transaction
    async with runtime.sessionmaker() as session, session.begin():
        if session.bind.dialect.name == "postgresql":
            await session.execute(
                text("LOCK TABLE guidance_items, no_penalty_items, typical_cases IN SHARE ROW EXCLUSIVE MODE")
            )
        loaded = []
        if not await session.scalar(select(func.count()).select_from(GuidanceItem)):
            # the bundled checklist loads through the import path (validated, versioned, indexed, events)
            items = bundled_guidance_items()
            report = importing.ImportReport(format="yaml", rows=len(items), dry_run=False)
            await importing.load(runtime, session, items, report, actor="system:seed", now=now, emit=False)
            loaded.append(f"{len(report.created)} guidance_items")
        if not await session.scalar(select(func.count()).select_from(NoPenaltyItem)):
            rows = statutory_rows(read_data(STATUTORY_FILE), now=now)
            session.add_all(NoPenaltyItem(**r) for r in rows)
            await session.flush()
            # the example list items load through the no-penalty import path (validated, versioned)
            parsed = no_penalty_import.rows_from_doc(read_data(EXAMPLE_LIST_FILE))
            items, errors = await no_penalty_import.validate_all(session, parsed)
            if errors:
                raise DataError(f"{EXAMPLE_LIST_FILE}: " + "; ".join(
                    f"item {e.row} ({e.code}) {e.field}: {e.message}" for e in errors))
            report = importing.ImportReport(format="yaml", rows=len(items), dry_run=False)
            await no_penalty_import.load(runtime, session, items, report, now=now, emit=False)
            loaded.append(f"{len(rows) + len(report.created)} no_penalty_items")
        # published typical cases: each bundled case once, by code (also into a catalog seeded before)
        from services.checklist.programme import service as programme  # noqa: PLC0415 - it imports this module

        added = await programme.seed_typical_cases(session, bundled_typical_cases(), now=now)
        if added:
            loaded.append(f"{added} typical_cases")
    if loaded:
        log.info("seeded the checklist catalog: %s", ", ".join(loaded))


async def seed_missing(runtime: Runtime) -> str | None:
    """``/readyz``: the catalog the service answers from (guidance items, no-penalty items) is loaded."""
    async with runtime.sessionmaker() as session:
        empty = [m.__tablename__ for m in (GuidanceItem, NoPenaltyItem)
                 if not await session.scalar(select(func.count()).select_from(m))]
    if empty:
        return f"{', '.join(empty)} empty; run `ecocomply seed --service {runtime.name}`"
    return None
