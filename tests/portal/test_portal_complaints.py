"""投诉举报 on the portal (issue 27 point 2): the public form files without an account and shows the tracking code
once; a resubmitted form files once; errors name the field in Chinese and keep what was typed; the form refuses a
post from another site or without its value; the follow page shows progress by code; an enterprise files from
``/my/complaints`` and sees its own; filings per address are limited."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import text

from services.portal.session import csrf_value
from services.testing.factories import BUREAU
from shared.public import RateLimiter

FORM = {"bureau": BUREAU, "category": "uncivil", "summary": "执法人员检查时态度粗暴，拒绝出示执法证件。",
        "officer_name": "李某", "complainant_name": "张某某", "complainant_contact": "13800000000"}


@pytest.fixture
async def visitor(stack):
    client = httpx.AsyncClient(transport=stack.client._transport, base_url="http://testserver", timeout=30)
    yield client
    await client.aclose()


async def hidden(client, url: str = "/complaints") -> dict[str, str]:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return dict(re.findall(r'name="(csrf|idempotency_key)" value="([^"]+)"', page.text))


async def complaints(stack) -> int:
    async with stack.runtimes["audit"].engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM complaints"))).scalar()


async def test_a_visitor_files_sees_the_code_once_and_follows_it(stack, visitor):
    page = await visitor.get("/complaints")
    assert "苏州市吴江生态环境局" in page.text and "执法不文明" in page.text and "（二十一）" in page.text
    values = await hidden(visitor)
    r = await visitor.post("/complaints", data={**FORM, **values})
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"], r.text
    code = re.search(r'id="tracking-code">([^<]+)<', r.text).group(1)
    assert code.startswith("TS-") and "只在本页显示这一次" in r.text and "苏州市吴江生态环境局" in r.text
    again = await visitor.post("/complaints", data={**FORM, **values})  # the browser resubmits the same form
    assert again.status_code == 200 and code not in again.text and "已经提交过" in again.text
    assert await complaints(stack) == 1
    shown = await visitor.post("/complaints/follow", data={"code": code})
    assert shown.status_code == 200 and "已提交，等待受理" in shown.text and "苏州市吴江生态环境局" in shown.text
    assert "张某某" not in shown.text and code not in str(shown.url)
    wrong = await visitor.post("/complaints/follow", data={"code": "TS-notacodeatall"})
    assert wrong.status_code == 404 and "没有与该查询码对应的投诉" in wrong.text


async def test_the_follow_page_tells_an_extension_and_its_reason(stack, visitor):
    """《信访工作条例》第三十四条: an extension is told to the complainant with its reason; an unextended one says none."""
    values = await hidden(visitor)
    r = await visitor.post("/complaints", data={**FORM, **values})
    code = re.search(r'id="tracking-code">([^<]+)<', r.text).group(1)
    h = stack.auth("auditor-sz", "auditor", bureau="320500")
    cid = (await stack.client.get("/audit/v1/complaints", headers=h)).json()["items"][0]["id"]
    await stack.client.post(f"/audit/v1/complaints/{cid}/accept", json={}, headers=h)
    shown = await visitor.post("/complaints/follow", data={"code": code})
    assert shown.status_code == 200 and 'id="extension"' not in shown.text
    r = await stack.client.post(f"/audit/v1/complaints/{cid}/extend", headers=h,
                                json={"approver": "钱处长", "reason": "需调取执法记录仪"})
    assert r.status_code == 200, r.text
    shown = await visitor.post("/complaints/follow", data={"code": code})
    assert 'id="extension"' in shown.text and "需调取执法记录仪" in shown.text and "钱处长" not in shown.text


async def test_errors_name_the_field_in_chinese_and_nothing_is_filed(stack, visitor):
    values = await hidden(visitor)
    bad = {**FORM, "summary": "太短", "category": "", "complainant_contact": "", "occurred_on": "2026-13-01",
           "officer_name": "名" * 101}
    r = await visitor.post("/complaints", data={**bad, **values})
    assert r.status_code == 422
    for words in ("投诉内容</a>：投诉内容至少填写10个字", "投诉类别</a>：请选择投诉类别", "联系方式</a>：实名投诉请留下联系方式",
                  "发生日期</a>：发生日期格式应为", "被投诉人员</a>：被投诉人员最多100个字"):
        assert words in r.text, words
    assert 'value="李某' not in r.text and "太短</textarea>" in r.text  # what was typed is kept
    anonymous = await visitor.post("/complaints", data={**FORM, "complainant_contact": "", "anonymous": "1", **values})
    assert anonymous.status_code == 200 and "TS-" in anonymous.text
    assert await complaints(stack) == 1


async def test_the_form_refuses_another_sites_post(stack, visitor):
    values = await hidden(visitor)
    r = await visitor.post("/complaints", data={**FORM, **values}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "表单已失效" in r.text
    fresh = httpx.AsyncClient(transport=stack.client._transport, base_url="http://testserver")
    try:  # another site's page cannot read or set the form's cookie
        r = await fresh.post("/complaints", data={**FORM, **values})
        assert r.status_code == 403
    finally:
        await fresh.aclose()
    assert await complaints(stack) == 0


async def test_filings_per_address_are_limited(stack, visitor):
    portal = next(r.app for r in stack.comp.root.router.routes if getattr(r, "path", None) == "")
    portal.state.complaint_limiter = RateLimiter("1/hour")
    assert (await visitor.post("/complaints", data={**FORM, **await hidden(visitor)})).status_code == 200
    r = await visitor.post("/complaints", data={**FORM, **await hidden(visitor)})
    assert r.status_code == 429 and "提交过于频繁" in r.text and r.headers["retry-after"]
    assert await complaints(stack) == 1


async def test_an_enterprise_files_from_my_and_sees_its_own(stack, visitor):
    token = stack.token("ent-1", "enterprise", uscc="91320509MA1XXXXX0A")
    visitor.cookies.set("ecocomply_token", token)
    values = await hidden(visitor, "/my/complaints")
    assert values["csrf"] == csrf_value(token)
    r = await visitor.post("/my/complaints", data={**FORM, "category": "inaction", **values})
    assert r.status_code == 200 and "TS-" in r.text
    page = await visitor.get("/my/complaints")
    assert "本企业的投诉" in page.text and "不作为" in page.text and "已提交，等待受理" in page.text
    r = await visitor.post("/my/complaints", data={**FORM, "csrf": "x" * 32, "idempotency_key": "k" * 20})
    assert r.status_code == 403
    visitor.cookies.clear()
    assert (await visitor.get("/my/complaints")).status_code == 401
