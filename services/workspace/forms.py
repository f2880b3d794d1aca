"""The workspace's action forms: each post carries the session's CSRF value and comes from the workspace's own
pages, and a service's refusal is shown in Chinese with the rule it rests on (the service's detail may be
English: the page names the refusal by its stable ``code``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from services.portal import session as portal_session
from services.portal.client import ServiceError
from services.workspace import session
from services.workspace.session import WorkspaceUser
from services.workspace.web import PageError, first, form_of

# A refusal's stable code → what the supervisor reads.
REFUSAL_CN = {
    "reviewer_involved": "该人员参与过本案的办理、法制审核、集体讨论或决定，不得审核本案。",
    "not_assignee": "本标记已分派给其他审核人员，只有被分派的审核人员可以办理。",
    "illegal_transition": "本标记当前的状态不允许这项操作（例如已作出审核结论，或审核已经开始）。",
    "bulk_assign_refused": "部分标记无法分派，本次批量分派未作任何更改。",
    "out_of_scope": "该标记不属于您所在单位的范围。",
    "role_required": "您的角色无权办理这项操作。",
    "forbidden": "您的角色无权办理这项操作。",
    "not_found": "未找到该标记。",
    "validation_error": "填写的内容不符合要求，请检查后重新提交。",
    "unsupported_attachment": "附件格式不受支持：请上传PDF、图片或Office文件。",
    "attachment_type_mismatch": "附件的扩展名与其实际格式不符。",
    "payload_too_large": "附件过大（不超过5MB）。",
}


def refusal_text(err: ServiceError) -> str:
    """A service's refusal in Chinese: by its code; else its detail when that is Chinese; else by status."""
    code = str(err.problem.get("code") or "")
    if code in REFUSAL_CN:
        return REFUSAL_CN[code]
    detail = str(err.problem.get("detail") or "")
    if any("\u4e00" <= ch <= "\u9fff" for ch in detail):
        return detail
    return {403: REFUSAL_CN["forbidden"], 404: REFUSAL_CN["not_found"], 409: REFUSAL_CN["illegal_transition"],
            413: REFUSAL_CN["payload_too_large"], 422: REFUSAL_CN["validation_error"]}.get(
        err.status, "操作未能完成，请稍后再试。")


def refusal(err: ServiceError) -> dict[str, Any]:
    """What the page shows of a refused action: the reason in Chinese, the rule it rests on (if any) and, for a
    refused bulk assignment, each refused flag."""
    refused = [{"flag_id": r.get("flag_id", ""), "reason": REFUSAL_CN.get(str(r.get("code")), "") or
                (str(r.get("detail", "")) if any("\u4e00" <= c <= "\u9fff" for c in str(r.get("detail", ""))) else
                 "无法分派"), "rule": r.get("rule")} for r in err.problem.get("refused") or [] if isinstance(r, dict)]
    return {"status": err.status, "reason": refusal_text(err), "rule": err.problem.get("rule"), "refused": refused}


def ensure_same_site(request: Request, user: WorkspaceUser, sent: str | None) -> None:
    if portal_session.from_another_site(request) or not session.csrf_ok(user, sent):
        raise PageError(403, "表单已失效", "表单已失效或来自其他网站，请刷新页面后重试。")


async def checked_form(request: Request, user: WorkspaceUser) -> dict[str, list[str]]:
    """A urlencoded action form whose CSRF value matches the session (403 Chinese page otherwise)."""
    form = await form_of(request)
    ensure_same_site(request, user, first(form, "csrf"))
    return form


def require_role(user: WorkspaceUser, *roles: str, what: str) -> None:
    if not user.has(*roles):
        raise PageError(403, "无权办理", f"{what}只能由监督审核人员办理；局领导只能查看。")
