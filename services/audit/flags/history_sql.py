"""The statements the history rules read, each built once (per dialect where it differs) with bind
parameters, and executed with the decided case's values.

Building a statement per event — ``select(...).where(...)`` with literals, its cache key, the
``coercions`` of every comparison — cost more than running it on an index range (issue 12's profile of
the audit consumer). The statements are the bounded, indexed reads of ``service.history_for`` and
``service._recheck_later``: each is a range of one of ``DecidedCase``'s indexes or of a daily counter's
primary key, with a LIMIT, so its cost does not grow with the history.

Parameters every ``_before``-style statement takes: ``d_date``, ``d_at``, ``d_id`` — the decided case's
place in the rules' total order (date, time, case id), as ``rules._before``.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Date, Select, String, and_, bindparam, case, func, literal_column, or_, select, tuple_

from services.audit.models import DailyCount, DecidedCase, PersonDailyCount
from shared.db import UtcDateTime
from shared.vocabulary import FLAGGED_DECISIONS, DecisionType

LISTED = 5  # earlier decisions a rule names in its detail
SIMILAR_SAMPLE = 500  # 类案: the most recent similar cases compared (a fixed cap, as before issue 12)
RECHECK_LIMIT = 200  # later cases re-checked when an earlier decision arrives late

LEAN = (DecidedCase.case_id, DecidedCase.number, DecidedCase.uscc, DecidedCase.bureau, DecidedCase.decision_type,
        DecidedCase.fine_amount, DecidedCase.violation, DecidedCase.facts_key, DecidedCase.decided_at,
        DecidedCase.decision_date)
ORDER = (DecidedCase.decision_date, DecidedCase.decided_at, DecidedCase.case_id)


def place(d: DecidedCase) -> dict[str, Any]:
    """The bind parameters that place ``d`` in the rules' order."""
    return {"d_date": d.decision_date, "d_at": d.decided_at, "d_id": d.case_id}


def _p(name: str, type_: Any = None):
    """A bind parameter typed as the column it is compared with (dates and UTC times bind alike on both dialects)."""
    return bindparam(name, type_=type_ or {"d_date": Date(), "lo": Date(), "hi": Date(), "d_at": UtcDateTime()}.get(name))


def _before():
    """Decided before the case at (``d_date``, ``d_at``, ``d_id``)."""
    return tuple_(*ORDER) < tuple_(_p("d_date"), _p("d_at"), _p("d_id", String()))


def _window():
    return DecidedCase.decision_date.between(_p("lo"), _p("d_date"))


_EXEMPTIONS = (DecidedCase.uscc == bindparam("uscc"), DecidedCase.decision_type == DecisionType.EXEMPTION)
_SAME_VIOLATION = (DecidedCase.uscc == bindparam("uscc"), DecidedCase.violation == bindparam("violation"))

# The enterprise's first earlier exemptions in the repeat window (uscc, lo + place).
EARLIEST_EXEMPTIONS: Select = (select(*LEAN).where(*_EXEMPTIONS, _window(), _before())
                               .order_by(*ORDER).limit(LISTED))
# How many there are, run only when the first read came back full (uscc, lo + place).
EXEMPTIONS_BEFORE: Select = select(func.count()).select_from(DecidedCase).where(*_EXEMPTIONS, _window(), _before())
# The enterprise's first earlier decisions on the same violation (uscc, violation, lo + place).
EARLIEST_SAME_VIOLATION: Select = (select(*LEAN).where(*_SAME_VIOLATION, _window(), _before())
                                   .order_by(*ORDER).limit(LISTED))
# The enterprise's earlier decisions that carry a fine, with the acts their gate record holds (uscc + place):
# 第二十九条 compares their act periods (a bounded read, the most recent first).
EARLIER_FINES: Select = (select(*LEAN, DecidedCase.gate).where(
    DecidedCase.uscc == bindparam("uscc"), DecidedCase.fine_amount > 0, _before())
    .order_by(DecidedCase.decision_date.desc()).limit(RECHECK_LIMIT))


@functools.cache
def similar_outcomes(dialect: str) -> Select:
    """The outcomes of the most recent ``SIMILAR_SAMPLE`` similar cases, aggregated into one text row
    (violation, facts_key, lo + place): the index's own order (date), so the LIMIT stops the read."""
    sample = (select(func.coalesce(DecidedCase.fine_amount, 0.0).label("v"))
              .where(DecidedCase.violation == bindparam("violation"), DecidedCase.facts_key == bindparam("facts_key"),
                     _window(), _before())
              .order_by(DecidedCase.decision_date.desc()).limit(SIMILAR_SAMPLE).subquery())
    joined = (func.string_agg(func.cast(sample.c.v, String), literal_column("','")) if dialect == "postgresql"
              else func.group_concat(sample.c.v, ","))
    return select(joined)


# The bureau's decisions and flagged decisions in the share window, from the daily counters (bureau, lo, hi).
_FLAGGED = DailyCount.decision_type.in_(FLAGGED_DECISIONS)
BUREAU_TOTALS: Select = select(
    func.coalesce(func.sum(DailyCount.count), 0),
    func.coalesce(func.sum(case((_FLAGGED, DailyCount.count), else_=0)), 0),
).where(DailyCount.bureau == bindparam("bureau"), DailyCount.day.between(_p("lo"), _p("hi")))
# Each named person's decisions and flagged decisions in the same window, in one read (people, bureau, lo, hi):
# a primary-key range per person.
PERSON_TOTALS: Select = select(
    PersonDailyCount.person, func.sum(PersonDailyCount.count), func.sum(PersonDailyCount.flagged),
).where(PersonDailyCount.person.in_(bindparam("people", expanding=True)), PersonDailyCount.bureau == bindparam("bureau"),
        PersonDailyCount.day.between(_p("lo"), _p("hi"))).group_by(PersonDailyCount.person)

# Later cases of the same enterprise, or of the same violation and facts, than the one at ``place`` (uscc, or
# violation and facts_key): one bounded range per index (an OR of both would not use them on SQLite).
_AFTER = and_(DecidedCase.decision_date >= _p("d_date"), DecidedCase.case_id != _p("d_id", String()),
              or_(DecidedCase.decision_date > _p("d_date"),
                  and_(DecidedCase.decision_date == _p("d_date"), DecidedCase.decided_at > _p("d_at"))))
LATER_SAME_ENTERPRISE: Select = (select(DecidedCase).where(DecidedCase.uscc == bindparam("uscc"), _AFTER)
                                 .order_by(*ORDER).limit(RECHECK_LIMIT))
LATER_SIMILAR: Select = (select(DecidedCase).where(DecidedCase.violation == bindparam("violation"),
                                                   DecidedCase.facts_key == bindparam("facts_key"), _AFTER)
                         .order_by(*ORDER).limit(RECHECK_LIMIT))
