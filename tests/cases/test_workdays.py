"""Working days (第八十五条) over the holiday schedule as data, and the pure due-date rules."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.cases import deadlines as dl
from services.cases.calendar.store import parse_schedule
from services.cases.workdays import Calendar, ScheduleError, add_working_days, library_years, validate_year

LIB = Calendar(library_years())


def test_library_seed_covers_2004_to_2026_and_counts_national_day_2025():
    assert min(LIB.years) == 2004 and max(LIB.years) == 2026
    # RECIPES §5: 5 working days after 2025-09-26 count 9-28 (调休 Sunday), 9-29, 9-30, 10-09, 10-10.
    p = add_working_days(date(2025, 9, 26), 5, LIB)
    assert p.due == date(2025, 10, 10) and not p.provisional


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2004, 1, 1), date(2026, 11, 30)), n=st.sampled_from([2, 3, 5, 7]))
def test_working_days_agree_with_the_library_inside_its_years(start, n):
    # The library steps to the next working day first when ``start`` is not one; the law counts from
    # the day after ``start`` either way (期间开始之日不计算在内), so compare from working days.
    assume(chinese_calendar.is_workday(start))
    assert add_working_days(start, n, LIB).due == chinese_calendar.find_workday(n, start)


def test_a_period_reaching_an_unloaded_year_is_provisional_and_weekend_only():
    p = add_working_days(date(2026, 12, 28), 5, LIB)
    assert p.due == date(2027, 1, 4) and p.provisional
    loaded = Calendar({**LIB.years, 2027: validate_year(2027, {date(2027, 1, 1): "元旦"}, [])})
    assert add_working_days(date(2026, 12, 28), 5, loaded).due == date(2027, 1, 5)


@pytest.mark.parametrize(("data", "field"), [
    ({"year": 2027, "source": "s", "holidays": [{"date": "2027-13-01", "name": "x"}]}, "holidays.0.date"),
    ({"year": 2027, "source": "s", "holidays": [{"date": "2027-01-01", "name": ""}]}, "holidays.0.name"),
    ({"year": 2027, "source": "s", "holidays": [{"date": "2027-01-01", "name": "元旦"}], "workdays": ["2027-01-01"]},
     "workdays.0"),
    ({"year": 2027, "source": "", "holidays": [{"date": "2027-01-01", "name": "元旦"}]}, "source"),
    ({"source": "s", "holidays": []}, "year"),
])
def test_schedule_validation_names_the_field(data, field):
    with pytest.raises(ScheduleError) as e:
        parse_schedule(data)
    assert e.value.field == field


def test_handling_period_extensions_and_suspension():
    t = dl.CaseTimes(filed_on=date(2026, 1, 5), handling_extensions=("head_approval", "collective_discussion"),
                     suspensions=(dl.Suspension("testing", date(2026, 2, 1), date(2026, 2, 11)),))
    due = dl.compute(t, LIB, today=date(2026, 3, 1))
    assert due["handling"].date == date(2026, 1, 5) + timedelta(days=90 + 60 + 10)
    assert "第六十条" in due["handling"].basis and due["handling"].verified is False


def test_overdue_is_the_day_after_the_due_date_and_done_steps_are_never_overdue():
    t = dl.CaseTimes(filed_on=date(2026, 1, 5))
    due = dl.compute(t, LIB, today=date(2026, 4, 5))
    assert due["handling"].date == date(2026, 4, 5)
    assert dl.overdue(due, date(2026, 4, 5)) == [] and dl.overdue(due, date(2026, 4, 6)) == ["handling"]
    decided = dl.compute(replace_decided(t), LIB, today=date(2026, 5, 1))
    assert "handling" not in dl.overdue(decided, date(2026, 5, 1))
    assert decided["service"].working_days and decided["service"].date == date(2026, 3, 11)


def replace_decided(t: dl.CaseTimes) -> dl.CaseTimes:
    from dataclasses import replace

    return replace(t, decided_on=date(2026, 3, 2))


@pytest.mark.parametrize(("occurred", "facts", "expired"), [
    (date(2024, 3, 2), {}, False),
    (date(2024, 3, 1), {}, True),
    (date(2021, 3, 2), {dl.EXTENDED_LIMITATION_FACT: True}, False),
    (date(2021, 3, 1), {dl.EXTENDED_LIMITATION_FACT: True}, True),
])
def test_limitation_two_years_or_five_where_article_36_says(occurred, facts, expired):
    lim = dl.limitation(occurred_on=occurred, ended_on=None, discovered_on=date(2026, 3, 2), facts=facts)
    assert lim.expired is expired and "第三十六条" in lim.basis


def test_cli_loads_a_year_into_the_embedded_database(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    f = tmp_path / "2027.json"
    f.write_text(json.dumps({"year": 2027, "source": "国务院办公厅通知（测试）",
                             "holidays": [{"date": "2027-01-01", "name": "元旦"}]}, ensure_ascii=False), encoding="utf-8")
    run = [sys.executable, "-m", "services.cli", "cases", "calendar", "load", str(f), "--data-dir", str(tmp_path / "var")]
    out = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=root)
    assert out.returncode == 0 and "2027: version 1 loaded" in out.stdout, out.stderr
    assert "version 2" in subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=root).stdout
    f.write_text(json.dumps({"year": 2027, "source": "x", "holidays": [{"date": "2026-01-01", "name": "元旦"}]}))
    bad = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=root)
    assert bad.returncode == 1 and "holidays.0.date" in bad.stderr
