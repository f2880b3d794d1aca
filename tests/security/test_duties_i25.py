"""Issue 25 S11, S12 — duties that belong to particular people.

S11: the handlers of a case are certified officers (on the officers register, ``POST /officers``) of the
case's own bureau: another bureau's officer — who cannot even read the case — does not count toward
《行政处罚法》第四十二条's two officers (执法人员不得少于两人). Refused 422 naming ``handlers``, nothing stored.

S12: a credit repair application is accepted and approved by two different people, neither of them a
handler of the case (the bureau's internal-control rule: no one decides alone on a case they handled).
"""

from __future__ import annotations

from sqlalchemy import func, select

from services.cases.models import Case, TimelineEntry
from services.testing.factories import CASES, OTHER_BUREAU, CaseDriver

# -- S11 ----------------------------------------------------------------------------------------------


async def _cases_stored(stack) -> tuple[int, int]:
    rt = stack.runtimes["cases"]
    async with rt.sessionmaker() as s:
        return (await s.scalar(select(func.count()).select_from(Case)),
                await s.scalar(select(func.count()).select_from(TimelineEntry)))


async def test_s11_a_handler_of_another_bureau_does_not_count(stack):
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    # officer-z is certified — but by bureau 320581 (常熟).
    await CaseDriver(stack, OTHER_BUREAU)._register("officer-z", "赵执法", "JS32058100")
    r = await d.c.get(f"{CASES}/officers", headers=d.admin)
    assert {o["sub"]: o["bureau"] for o in r.json()}["officer-z"] == OTHER_BUREAU
    before = await _cases_stored(stack)
    body = {"uscc": uscc, "bureau": d.bureau, "source": "日常检查", "summary": "出水化学需氧量超标排放",
            "violations": [{"code": "GI-WAT-001"}], "occurred_on": d.default_act_date(uscc),
            "handlers": ["officer-a", "officer-z"], "facts": {}}
    for who in (d.off, d.admin):  # an admin files for any bureau, but the handlers are still the bureau's
        r = await d.c.post(f"{CASES}/cases", headers=who, json=body)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        p = r.json()
        assert p["code"] == "handler_of_other_bureau" and p["errors"][0]["field"] == "handlers"
        assert "第四十二条" in p["rule"] and "第四十二条" in p["detail"]
        assert "执法人员" in p["detail"] and "officer-z" in p["detail"]
        assert p["other_bureau"] == ["officer-z"]
    assert await _cases_stored(stack) == before, "a refused filing stores nothing"

    # The positive: two certified officers of the bureau file it.
    case = await d.file(uscc)
    assert case["handlers"] == ["officer-a", "officer-b"] and case["bureau"] == d.bureau


async def test_s11_one_officer_spelt_twice_is_one_handler(stack):
    """``officer-a`` and ``OFFICER-A`` are one person (subjects compare case-insensitively, issue 25 S10):
    registered twice, they still do not make the two officers 第四十二条 requires."""
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    await d._register("OFFICER-A", "张执法", "JS32050999")
    before = await _cases_stored(stack)
    r = await d.c.post(f"{CASES}/cases", headers=d.off, json={
        "uscc": uscc, "bureau": d.bureau, "source": "日常检查", "summary": "出水化学需氧量超标排放",
        "violations": [{"code": "GI-WAT-001"}], "occurred_on": d.default_act_date(uscc),
        "handlers": ["officer-a", "OFFICER-A "], "facts": {}})
    assert r.status_code == 422 and r.json()["code"] == "too_few_handlers", r.text
    assert r.json()["errors"][0]["field"] == "handlers" and "第四十二条" in r.json()["rule"]
    assert await _cases_stored(stack) == before
    assert (await d.file(uscc))["handlers"] == ["officer-a", "officer-b"]  # the positive


async def test_s11_a_transferred_officer_no_longer_counts_for_the_old_bureau(stack):
    """Found in review: an officer learnt from their token stayed on the old bureau's register after a transfer."""
    a, b = CaseDriver(stack), CaseDriver(stack, OTHER_BUREAU)
    in_a = stack.auth("officer-t", "officer", bureau=a.bureau, cert_no="JS32059999", name="调动执法")
    in_b = stack.auth("officer-t", "officer", bureau=b.bureau, cert_no="JS32059999", name="调动执法")

    def filing(d: CaseDriver, uscc: str, handlers: list[str]) -> dict:
        return {"uscc": uscc, "bureau": d.bureau, "source": "日常检查", "summary": "出水化学需氧量超标排放",
                "violations": [{"code": "GI-WAT-001"}], "occurred_on": d.default_act_date(uscc),
                "handlers": handlers, "facts": {}}

    ua, ub = await a.enterprise(), await b.enterprise()
    await a.certify()
    await b.certify()
    r = await a.c.post(f"{CASES}/cases", headers=in_a, json=filing(a, ua, ["officer-t", a.handlers[0]]))
    assert r.status_code == 201, r.text  # the positive: an officer of bureau A handles A's case
    r = await b.c.post(f"{CASES}/cases", headers=in_b, json=filing(b, ub, ["officer-t", b.handlers[0]]))
    assert r.status_code == 201, r.text  # transferred: now B's officer, handling B's case
    r = await a.c.post(f"{CASES}/cases", headers=a.off, json=filing(a, ua, ["officer-t", a.handlers[0]]))
    assert r.status_code == 422 and r.json()["code"] == "handler_of_other_bureau", r.text
