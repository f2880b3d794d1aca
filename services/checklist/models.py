"""Tables of the checklist catalog.

Catalog rows are immutable versions: a change is a new ``(code, version)`` row, older versions stay
readable (cases and self-checks record the version they used). Each row carries its provenance
(``source``) and the ``verified`` flag of the data it came from — never upgraded by hand.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime
from shared.outbox import OutboxTables

RISK_LEVELS = ("high", "medium", "low")
ITEM_STATUSES = ("draft", "published", "retired")
NO_PENALTY_KINDS = ("list", "statutory")
MODALITIES = ("must", "may")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    pass


class GuidanceItem(Base):
    """合规指导清单事项 — one version of a compliance guidance checklist item."""

    __tablename__ = "guidance_items"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_guidance_items_code_version"),
        CheckConstraint(_in("risk_level", RISK_LEVELS), name="ck_guidance_items_risk_level"),
        CheckConstraint(_in("status", ITEM_STATUSES), name="ck_guidance_items_status"),
        CheckConstraint("version >= 1", name="ck_guidance_items_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64))  # indexed by the (code, version) key
    version: Mapped[int] = mapped_column(Integer)
    batch: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(100))
    common_violations: Mapped[list[str]] = mapped_column(JSON)
    # [{role: obligation|penalty|related, law, article, clause?, text_excerpt?, source_path?}]
    legal_basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # {fine: {min_cny, max_cny, kind, notes, ...}, other_penalties: [str]}
    liability: Mapped[dict[str, Any]] = mapped_column(JSON)
    risk_level: Mapped[str] = mapped_column(String(10))
    risk_rationale: Mapped[str | None] = mapped_column(Text)
    advice: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    # The days this version is in force (《行政处罚法》第三十七条): from effective_from through effective_to (its
    # last day in force, inclusive — one convention for every effective_to);
    # null: no date known (in force). Revision 0006 added effective_to.
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    # compiled: drawn up by the team from statute texts, not an official list.
    compiled: Mapped[bool] = mapped_column(Boolean)
    # null: the source gives no verified flag for the item as a whole.
    verified: Mapped[bool | None] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)
    # title + violations + basis + advice, lower-cased, for ``q`` substring search (LIKE).
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # sha256 of the version's content (versioning.content_hash): a decision that recorded it can
    # prove which text it used; null only for rows written before revision 0002 (backfilled there).
    content_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class NoPenaltyItem(Base):
    """免罚清单事项 / 法定不予处罚情形 — one version of a no-penalty item.

    ``kind="list"``: an item of a loaded no-penalty list (免罚清单); ``kind="statutory"``: a ground of
    《行政处罚法》第三十三条 that applies outside any list.
    """

    __tablename__ = "no_penalty_items"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_no_penalty_items_code_version"),
        CheckConstraint(_in("kind", NO_PENALTY_KINDS), name="ck_no_penalty_items_kind"),
        CheckConstraint(_in("modality", MODALITIES), name="ck_no_penalty_items_modality"),
        CheckConstraint(_in("status", ITEM_STATUSES), name="ck_no_penalty_items_status"),
        CheckConstraint("condition_logic = 'all'", name="ck_no_penalty_items_condition_logic"),
        CheckConstraint("version >= 1", name="ck_no_penalty_items_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64))  # indexed by the (code, version) key
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    list_version: Mapped[str] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(String(100))
    violation: Mapped[str] = mapped_column(Text)
    # guidance item codes; empty = any violation
    applies_to: Mapped[list[str]] = mapped_column(JSON)
    legal_basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # [{key, text}] — every one must be established true by recorded facts
    conditions: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    # [{key, text}] — none may hold (e.g. 第三十三条第二款 “法律、行政法规另有规定的，从其规定”)
    exceptions: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    condition_logic: Mapped[str] = mapped_column(String(10))
    modality: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    # “可以不予” (modality may): the bureau decides even when every condition is met
    discretionary: Mapped[bool] = mapped_column(Boolean)
    # The days this version is in force (《行政处罚法》第三十七条; issue 23 item 3: an expired list item
    # exempts nothing): from effective_from THROUGH effective_to (its last day in force, inclusive); null:
    # no date known (in force). Revision 0007 added effective_to.
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SearchDocument(Base):
    """One searchable document: the latest published version of a guidance item, or a published
    typical case. ``body`` is the lower-cased text ``q`` matches; ``title`` ranks title hits first."""

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_search_documents_kind_ref"),
        CheckConstraint("kind IN ('guidance', 'case')", name="ck_search_documents_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(64))  # guidance item code or typical case code
    version: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(Text)  # the title as written (shown in results)
    title: Mapped[str] = mapped_column(Text)  # lower-cased (ranks title hits first)
    body: Mapped[str] = mapped_column(Text)  # lower-cased title + violations + basis + advice


# PostgreSQL: pg_trgm GIN indexes answer ``LIKE '%q%'`` for q of 3+ characters (RECIPES §2b). On
# SQLite the FTS5 tables of revision 0003 do that, so there the index is empty (``WHERE 0``).
for _col in ("body", "title"):
    Index(
        f"ix_search_documents_{_col}_trgm", getattr(SearchDocument, _col),
        postgresql_using="gin", postgresql_ops={_col: "gin_trgm_ops"}, sqlite_where=text("0"),
    )


class SearchGram(Base):
    """PostgreSQL: inverted index of every distinct 1- and 2-character sequence of a document's body
    (unigrams and bigrams; RECIPES §2: trigram indexes cannot answer the common 1–2 character Chinese
    queries). SQLite keeps the same grams in the FTS5 table ``search_fts_bi`` instead (revision 0003).

    One row per gram, kind, title flag and block of ``search.GRAM_BLOCK`` document ids, the ids as an
    array (revision 0005): a row per gram and document made ~515 rows per item — 637 MB at 10,000
    items, ~65 GB at a million. A query's hits are one key range ``(gram, kind[, in_title])``."""

    __tablename__ = "search_grams"

    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # the document's kind (denormalised)
    in_title: Mapped[bool] = mapped_column(Boolean, primary_key=True)  # the gram occurs in the title
    block: Mapped[int] = mapped_column(Integer, primary_key=True)  # doc_id // search.GRAM_BLOCK
    n: Mapped[int] = mapped_column(Integer)  # len(doc_ids)
    # no foreign key: a derived index, rebuilt with its documents (search.delete_grams takes a
    # document out of it, from the document's own text)
    doc_ids: Mapped[list[int]] = mapped_column(JSON().with_variant(ARRAY(Integer), "postgresql"))


class DiscretionBureauSetting(Base):
    """裁量基准 chosen by a bureau (a local setting: which rule set its calculations use)."""

    __tablename__ = "discretion_bureau_settings"

    bureau: Mapped[str] = mapped_column(String(20), primary_key=True)
    rule_set: Mapped[str] = mapped_column(String(100))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SelfCheck(Base):
    """自查自纠 — one submitted self-check of an enterprise (kept per USCC as its history)."""

    __tablename__ = "self_checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    industry: Mapped[str] = mapped_column(String(100))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [{item_code, item_version, risk_level, advice, matched: [question_id]}]
    risks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    unanswered: Mapped[list[str]] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TypicalCase(Base):
    """典型案例 — an anonymised case published for 以案释法, linked to guidance items."""

    __tablename__ = "typical_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    bureau: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    lesson: Mapped[str | None] = mapped_column(Text)
    item_codes: Mapped[list[str]] = mapped_column(JSON)
    # where the case was published: the page read, the publishing body, its date (YYYY-MM-DD or YYYY-MM),
    # a note on the source (e.g. anonymised here) and whether the publishing body's own text was read
    source_url: Mapped[str | None] = mapped_column(Text)
    source_publisher: Mapped[str | None] = mapped_column(String(200))
    source_date: Mapped[str | None] = mapped_column(String(10))
    source_note: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool | None] = mapped_column(Boolean)
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())


Index("ix_typical_cases_bureau_year", TypicalCase.bureau, TypicalCase.year)

tables = OutboxTables.on(Base.metadata)
