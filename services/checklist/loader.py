"""The bundled catalog data (``data/*.yaml``): parsed and validated into rows by pure functions, and
``seed`` that loads them into an empty database.

The files are verbatim copies of the project's domain data. Their ``source`` and ``verified`` flags
are carried into every row unchanged (never upgraded by hand, never filled from memory).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import func, select, text

from services.checklist.models import MODALITIES, RISK_LEVELS, GuidanceItem, NoPenaltyItem

if TYPE_CHECKING:
    from shared.service import Runtime

log = logging.getLogger("ecocomply.checklist.loader")

DATA_DIR = Path(__file__).parent / "data"
GUIDANCE_FILE = "guidance_items.yaml"
STATUTORY_FILE = "statutory_no_penalty.yaml"
EXAMPLE_LIST_FILE = "example_no_penalty_items.yaml"

# The compiled starter checklist is one batch; an official list is imported under its own batch name.
STARTER_BATCH = "starter"
BASIS_ROLES = {"obligation_basis": "obligation", "penalty_basis": "penalty", "related_basis": "related"}

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


def search_text(
    *, title: str, violations: list[str], legal_basis: list[dict[str, Any]], advice: list[str]
) -> str:
    """The text ``q`` searches: title, violations, basis and advice, one part per line, lower-cased
    (so that LIKE behaves the same on SQLite, case-insensitive for ASCII, and PostgreSQL)."""
    parts = [title, *violations]
    for b in legal_basis:
        parts.extend(str(b[k]) for k in ("law", "article", "clause", "text_excerpt") if b.get(k))
    parts.extend(advice)
    return "\n".join(parts).lower()


# -- 合规指导清单 -------------------------------------------------------------------------------------
def guidance_rows(doc: Mapping[str, Any], *, now: datetime) -> list[dict[str, Any]]:
    """Rows for ``guidance_items`` (version 1, published) from ``guidance_items.yaml``."""
    meta = _req(doc, "meta", GUIDANCE_FILE, dict)
    repo = _req(meta, "source_repo", f"{GUIDANCE_FILE}.meta")
    items = _req(doc, "items", GUIDANCE_FILE, list)
    expected = meta.get("item_count")
    if expected is not None and expected != len(items):
        raise DataError(f"{GUIDANCE_FILE}: meta.item_count is {expected} but {len(items)} items are listed")
    rows = []
    for i, item in enumerate(items):
        code = _req(item, "code", f"{GUIDANCE_FILE}.items[{i}]")
        where = f"{GUIDANCE_FILE}:{code}"
        risk = _req(item, "risk_level", where)
        if risk not in RISK_LEVELS:
            raise DataError(f"{where}: risk_level {risk!r} is not one of {RISK_LEVELS}")
        basis: list[dict[str, Any]] = []
        for field, role in BASIS_ROLES.items():
            for j, b in enumerate(item.get(field) or []):
                w = f"{where}.{field}[{j}]"
                entry: dict[str, Any] = {
                    "role": role,
                    "law": _req(b, "law", w),
                    "article": _req(b, "article", w),
                }
                for k in ("clause", "text_excerpt", "source_path"):
                    if b.get(k):
                        entry[k] = str(b[k])
                basis.append(entry)
        if not any(b["role"] == "penalty" for b in basis):
            raise DataError(f"{where}: no penalty_basis (the liability needs its article)")
        fine = _req(item, "fine", where, dict)
        for k in ("min_cny", "max_cny"):
            if fine.get(k) is not None and not isinstance(fine[k], int | float):
                raise DataError(f"{where}.fine.{k}: {fine[k]!r} is not a number")
        title = _req(item, "title", where)
        violations = _str_list(item, "common_violations", where)
        advice = _str_list(item, "advice", where)
        commit = item.get("source_commit") or meta.get("source_commit")
        rows.append(
            {
                "code": code,
                "version": 1,
                "batch": STARTER_BATCH,
                "title": title,
                "domain": _req(item, "domain", where),
                "common_violations": violations,
                "legal_basis": basis,
                "liability": {
                    "fine": dict(fine),
                    "other_penalties": _str_list(item, "other_penalties", where, allow_empty=True),
                },
                "risk_level": risk,
                "risk_rationale": item.get("risk_rationale"),
                "advice": advice,
                "status": "published",
                "effective_from": None,
                "compiled": bool(item.get("compiled", False)),
                # The file gives no per-item verified flag (its excerpts are machine-checked, the item
                # as a whole is compiled): unknown, not true.
                "verified": item["verified"] if isinstance(item.get("verified"), bool) else None,
                "source": f"{repo}@{commit}" if commit else repo,
                "search_text": search_text(
                    title=title, violations=violations, legal_basis=basis, advice=advice
                ),
                "created_at": now,
            }
        )
    _unique((r["code"] for r in rows), GUIDANCE_FILE)
    return rows


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


def bundled_guidance_rows(now: datetime) -> list[dict[str, Any]]:
    return guidance_rows(read_data(GUIDANCE_FILE), now=now)


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
    now = datetime.now(UTC)
    async with runtime.sessionmaker() as session, session.begin():
        if session.bind.dialect.name == "postgresql":
            await session.execute(
                text("LOCK TABLE guidance_items, no_penalty_items IN SHARE ROW EXCLUSIVE MODE")
            )
        loaded = []
        for model, rows in ((GuidanceItem, bundled_guidance_rows), (NoPenaltyItem, bundled_no_penalty_rows)):
            if await session.scalar(select(func.count()).select_from(model)):
                continue
            batch = rows(now)
            session.add_all(model(**r) for r in batch)
            loaded.append(f"{len(batch)} {model.__tablename__}")
    if loaded:
        log.info("seeded the checklist catalog: %s", ", ".join(loaded))
