"""Typed case records (issue 14): migration 0006 reads every stored ``cases.records`` with the typed
model and stores its normalised form; a row the model cannot read stops it with a message naming the
case and the field, and nothing changes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from services.cases.case.records import case_records
from services.cases.models import Case
from services.testing.factories import CaseDriver
from shared.migrations import current_revisions, downgrade, head_revisions

NEW_HEARING_KEYS = ("scheduled_at", "place", "designated_presider", "notified_on", "earliest_lawful_day",
                    "scheduled_by", "number", "party_statements", "signature", "refusal_note", "at_issue", "facts")
# A row as the untyped code wrote it: no ``held_on`` on a requested hearing, no ``setting`` on a
# follow-up an officer scheduled, times as ``isoformat()``.
OLD_SHAPE = {
    "limitation": {"checked": False, "basis": "《中华人民共和国行政处罚法》第三十六条",
                   "note": "违法行为发生日期未录入，追责时效未核查"},
    "handler_certificates": {"officer-a": "JS32050000", "officer-b": "JS32050001"},
    "notice": {"intended_type": "penalty", "intended_fine": 150000.0, "penalty_kinds": ["fine"],
               "facts_and_reasons": "超标排放", "on": "2026-07-02", "by": "officer-a", "hearing_right": True,
               "hearing_right_basis": "本地设置"},
    "hearing": {"requested_on": "2026-07-03", "requested_via": "officer-a"},
    "suspensions": [{"kind": "testing", "reason": "送检", "approved_by": "leader-1", "from": "2026-07-04",
                     "to": None, "by": "officer-a"}],
    "legal_reviews": [{"opinion": "approve", "notes": "", "by": "reviewer-1", "at": "2026-07-01T02:00:00+00:00",
                       "proposed_type": "penalty", "proposed_fine": 150000}],
    "follow_ups": [{"due": "2026-09-01", "scheduled_by": "officer-a", "result": None}],
}


async def _records(rt, case_id: str) -> dict:
    async with rt.engine.connect() as conn:
        return (await conn.execute(select(Case.records).where(Case.id == case_id))).scalar_one()


async def _store(rt, case_id: str, records: dict) -> None:
    async with rt.engine.begin() as conn:
        await conn.execute(update(Case).where(Case.id == case_id).values(records=records))


async def test_old_rows_are_migrated_to_the_typed_shape_and_a_malformed_one_stops_the_migration(stack):
    d = CaseDriver(stack, auto_certify=False)
    d.at(2026, 7, 1)
    await d.register_officers()
    uscc = await d.enterprise()
    old, bad = (await d.file(uscc))["id"], (await d.file(uscc))["id"]
    rt = stack.runtimes["cases"]
    await downgrade(rt.engine, rt.spec.migrations_dir, "0005", secret_box=rt.secret_box)

    # An unreadable row: the migration names the case and the field, and changes nothing.
    await _store(rt, old, OLD_SHAPE)
    malformed = {**OLD_SHAPE, "notice": {**OLD_SHAPE["notice"], "on": "七月二日"}}
    await _store(rt, bad, malformed)
    with pytest.raises(RuntimeError) as refused:
        await rt.migrate()
    assert f"case {bad}: records.notice.on" in str(refused.value) and old not in str(refused.value)
    assert await current_revisions(rt.engine) == {"0005"}
    assert await _records(rt, old) == OLD_SHAPE and await _records(rt, bad) == malformed

    # Fixed, the migration runs: the old row reads back typed, with the keys its steps default.
    await _store(rt, bad, OLD_SHAPE)
    await rt.migrate()
    assert await current_revisions(rt.engine) == head_revisions(rt.spec.migrations_dir)  # 0006 and after
    stored = await _records(rt, old)
    # every later key of a hearing (held, scheduled — issue 23's schedule and record) defaults to None
    assert stored["hearing"] == {**OLD_SHAPE["hearing"], "held_on": None, "held_at": None, "presided_by": None,
                                 "record": None, **dict.fromkeys(NEW_HEARING_KEYS)}
    assert stored["follow_ups"] == [{**OLD_SHAPE["follow_ups"][0], "setting": None}]
    assert stored["legal_reviews"] == [{**r, "proposed_ending": None, "proposed_change": None}
                                       for r in OLD_SHAPE["legal_reviews"]]
    assert stored["suspensions"] == OLD_SHAPE["suspensions"]
    async with rt.sessionmaker() as s:
        recs = case_records(await s.get(Case, old))
    assert recs.notice is not None and recs.notice.on == date(2026, 7, 2) and recs.notice.intended_fine == 150000.0
    assert recs.suspensions[0].from_ == date(2026, 7, 4) and recs.suspensions[0].to is None
    assert recs.approved_review() is not None and isinstance(recs.legal_reviews[0].at, datetime)

    # Through the API: the case reads with the records it always showed, and its next action computes its
    # time limits from the typed notice (the party's statement and hearing-request periods run from it).
    case = await d.evidence(old)
    assert case["records"]["notice"]["hearing_right"] is True and case["records"]["hearing"]["held_on"] is None
    assert {"statement", "hearing_request"} <= set(case["due"])
