"""The authorization matrix's table (tests/test_authz_matrix.py explains the columns and classes):
one row per route, the answer class per caller — anon, admin, auditor, platform, then officer, leader,
legal_reviewer and enterprise each own/other. Reviewed row by row; a new route needs its row here, and a
new write naming a bureau-A / enterprise-X object (``SCOPED``, by path or body) its valid body in ``BODIES``
(below the table): the "other" callers send it, and their cells say 3 or 4 — the scope check's answer.

Deliberate, not leaks: the enterprise-level credit reads (credit-grade, credit-profile) are open to every
bureau role (services/credit/positive_list.ensure_can_read_enterprise: an enterprise's credit grade and
positive-list standing are cross-bureau information), so bureau B's callers get 200 on enterprise X there;
an enterprise of another USCC gets 403. These rows are in CROSS_BUREAU and skip the marker check.
"""

# Path parameters and body fields that name an object of bureau A / enterprise X (the fixture's). A write
# route taking a body that names one of them needs a valid body in BODIES (checked by test_every_route_has_a_row).
SCOPED = {"case_id", "uscc", "bureau", "flag_id", "letter_id", "warning_id", "app_id", "record_id"}

# Writes whose body names a bureau without naming its object: not scoped, so they need no body in BODIES.
NOT_SCOPED = {
    "POST /checklist/v1/discretion/calculate": "a calculation that stores nothing; ``bureau`` picks whose rule set "
                                               "(each bureau's choice is public: GET …/discretion/bureau-settings)",
}

CROSS_BUREAU = {"GET /credit/v1/enterprises/{uscc}/credit-grade", "GET /credit/v1/enterprises/{uscc}/credit-profile"}

MATRIX: dict[str, str] = {
    'GET /checklist/v1/guidance-items': '122222222222',
    'GET /checklist/v1/guidance-items/{code}': '144444444444',
    'GET /checklist/v1/guidance-items/{code}/versions': '144444444444',
    'POST /checklist/v1/guidance-items': '1v3333333333',
    'PUT /checklist/v1/guidance-items/{code}': '1v3333333333',
    'POST /checklist/v1/guidance-items/{code}/versions/{version}/publish': '143333333333',
    'POST /checklist/v1/guidance-items/{code}/retire': '143333333333',
    'GET /checklist/v1/search': '1vvvvvvvvvvv',
    'POST /checklist/v1/imports/guidance-items': '1v3333333333',
    'POST /checklist/v1/imports/no-penalty-items': '1v3333333333',
    'GET /checklist/v1/exports/guidance-items': '122222222222',
    'GET /checklist/v1/no-penalty-items': '122222222222',
    'GET /checklist/v1/no-penalty-items/{code}': '144444444444',
    'POST /checklist/v1/no-penalty-items/{code}/evaluate': '144444444444',
    'POST /checklist/v1/no-penalty-items/evaluate-all': '1vvvvvvvvvvv',
    'GET /checklist/v1/circumstances': '122222222222',
    'POST /checklist/v1/discretion/calculate': '1vvvvvvvvvvv',
    'GET /checklist/v1/discretion/rule-sets': '122222222222',
    'GET /checklist/v1/discretion/rule-sets/{name}': '144444444444',
    'GET /checklist/v1/discretion/bureau-settings/{bureau}': '122222222222',
    'PUT /checklist/v1/discretion/bureau-settings/{bureau}': '1v3333333333',
    'GET /checklist/v1/self-checks/questionnaire': '1vvvvvvvvvvv',
    'POST /checklist/v1/self-checks': '1vvvv3v3v3v3',
    'GET /checklist/v1/self-checks': '1vvvvvvvvvvv',
    'POST /checklist/v1/typical-cases': '1v33v3v33333',
    'GET /checklist/v1/typical-cases': '122222222222',
    'GET /checklist/v1/typical-cases/stats/{bureau}/{year}': '122222222222',
    'GET /checklist/v1/public/guidance-items': '222222222222',
    'GET /checklist/v1/public/guidance-items/{code}': '444444444444',
    'GET /checklist/v1/public/no-penalty-items': '222222222222',
    'GET /checklist/v1/public/benchmarks': '222222222222',
    'GET /checklist/v1/public/benchmarks/{bureau}': '222222222222',
    'GET /checklist/v1/public/typical-cases': '222222222222',
    'GET /checklist/v1/public/self-checks/industries': '222222222222',
    'GET /checklist/v1/public/self-checks/questionnaire': 'vvvvvvvvvvvv',
    'POST /checklist/v1/public/self-checks/assess': 'vvvvvvvvvvvv',
    'POST /cases/v1/enterprises': '1v33v3333333',
    'GET /cases/v1/enterprises/{uscc}': '122223232323',
    'POST /cases/v1/cases': '1v33v3333333',
    'GET /cases/v1/cases': '122222222222',
    'GET /cases/v1/cases/{case_id}': '122223232323',
    'POST /cases/v1/cases/{case_id}/evidence': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/investigation/complete': '1c33c3333333',
    'POST /cases/v1/cases/{case_id}/legal-review': '13333333v333',
    'POST /cases/v1/cases/{case_id}/opinions': '1333v3v33333',
    'POST /cases/v1/cases/{case_id}/case-review': '1333v3v33333',
    'POST /cases/v1/cases/{case_id}/collective-discussion': '133333v33333',
    'POST /cases/v1/cases/{case_id}/rectification': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/rectification/assessment': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/extensions': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/suspensions': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/suspensions/end': '1c33c3333333',
    'POST /cases/v1/cases/{case_id}/discretion': '1333c3c33333',
    'POST /cases/v1/cases/{case_id}/notice': '1c33c3333333',
    'POST /cases/v1/cases/{case_id}/statement': '1333v33333v3',
    'POST /cases/v1/cases/{case_id}/hearing/request': '1333c33333c3',
    'POST /cases/v1/cases/{case_id}/hearing': '1333v3v33333',
    'POST /cases/v1/cases/{case_id}/decision': '1333v3v33333',
    'POST /cases/v1/cases/{case_id}/service': '1233c3333333',
    'POST /cases/v1/cases/{case_id}/execution': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/close': '1233c3333333',
    'POST /cases/v1/cases/{case_id}/withdraw': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/transfer': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/follow-ups': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/follow-ups/{index}/result': '1v33v3333333',
    'POST /cases/v1/cases/{case_id}/economic-impact': '1v33v3333333',
    'GET /cases/v1/cases/{case_id}/documents/{kind}': '144444444444',
    'POST /cases/v1/officers': '1v3333333333',
    'GET /cases/v1/officers': '122222222233',
    'GET /cases/v1/calendar': '122222222222',
    'GET /cases/v1/calendar/{year}': '122222222222',
    'POST /cases/v1/calendar': '1v3333333333',
    'POST /cases/v1/advice-letters': '1v33v3333333',
    'GET /cases/v1/advice-letters': '122222222222',
    'GET /cases/v1/advice-letters/{letter_id}': '122223232323',
    'POST /cases/v1/advice-letters/{letter_id}/feedback': '1333v33333v3',
    'GET /cases/v1/advice-letters/{letter_id}/document': '122223232323',
    'POST /cases/v1/risk-warnings': '133n33333333',
    'GET /cases/v1/risk-warnings/{warning_id}': '122223232333',
    'GET /cases/v1/enterprises/{uscc}/risk-warnings': '122223232333',
    'POST /cases/v1/risk-warnings/{warning_id}/inspection': '1v33v3333333',
    'GET /cases/v1/cases/{case_id}/export': '1nnnnnnnnnnn',
    'POST /cases/v1/webhooks/subscriptions': '1v3333333333',
    'GET /cases/v1/webhooks/subscriptions': '123333333333',
    'PATCH /cases/v1/webhooks/subscriptions/{subscription_id}': '1v3333333333',
    'POST /cases/v1/webhooks/subscriptions/{subscription_id}/replay': '1v3333333333',
    'GET /cases/v1/webhooks/deliveries': '123333333333',
    'POST /cases/v1/webhooks/deliveries/{delivery_id}/redeliver': '1v3333333333',
    'POST /cases/v1/cases/{case_id}/publication': '1333v3v33333',
    'GET /cases/v1/cases/{case_id}/publication': '144443434343',
    'POST /cases/v1/cases/{case_id}/publication/withdraw': '1333v3v33333',
    'GET /cases/v1/public/decisions': '222222222222',
    'GET /cases/v1/public/decisions/{publication_id}': '444444444444',
    'GET /credit/v1/enterprises/{uscc}/records': '122222222223',
    'GET /credit/v1/records/{record_id}': '122223232323',
    'GET /credit/v1/notices/{case_id}': '144444444444',
    'POST /credit/v1/repair-applications': '1vvvv3v3v3v3',
    'GET /credit/v1/repair-applications': '122222222222',
    'GET /credit/v1/repair-applications/{app_id}': '122223232323',
    'POST /credit/v1/repair-applications/{app_id}/accept': '1233c3c3c333',
    'POST /credit/v1/repair-applications/{app_id}/approve': '1c33c3c3c333',
    'POST /credit/v1/repair-applications/{app_id}/reject': '1v33v3v3v333',
    'GET /credit/v1/positive-list': '122222222222',
    'POST /credit/v1/positive-list': '1v3333333333',
    'POST /credit/v1/positive-list/{entry_id}/remove': '1v3333333333',
    'POST /credit/v1/credit-grades/import': '1v3v33333333',
    'GET /credit/v1/enterprises/{uscc}/credit-grade': '122222222223',
    'GET /credit/v1/enterprises/{uscc}/credit-profile': '122222222223',
    'GET /credit/v1/my/credit': '133333333322',
    'GET /audit/v1/flags': '122333223333',
    'GET /audit/v1/rules': '122333223333',
    'GET /audit/v1/flags/{flag_id}': '122333233333',
    'GET /audit/v1/flags/{flag_id}/history': '122333233333',
    'POST /audit/v1/flags/{flag_id}/assign': '1vv333333333',
    'POST /audit/v1/flags/{flag_id}/review': '13v333333333',
    'POST /audit/v1/interference-records': '1vv3v3v3v333',
    'GET /audit/v1/log/verify': '122233333333',
    'GET /audit/v1/log/inclusion-proof': '1vvv33333333',
    'GET /audit/v1/log/consistency-proof': '1vvv33333333',
    'GET /audit/v1/log/tree-heads': '122233333333',
    'POST /audit/v1/log/tree-heads': '122333333333',
    'GET /audit/v1/log/public-key': '122233333333',
    'GET /audit/v1/log/entries': '1vvv33333333',
    'GET /audit/v1/stats': '122333223333',
    'GET /audit/v1/reconciliation': '1vv333333333',
    'GET /audit/v1/reports/annual': '1vv333vv3333',
    'GET /audit/dashboard': '122333223333',
    'GET /audit/dashboard/cases/{case_id}': '122333233333',
}

# Valid bodies of the writes that name a bureau-A / enterprise-X object, by path or by body: what the route
# accepts from its right caller (CaseDriver's bodies for the case steps, the routers' schemas for the rest).
# The "other" callers (officer/leader/legal_reviewer/enterprise of bureau B / enterprise Y) send them, so
# their answer is the scope check's — 403 (shared.auth: ``out_of_scope``; a role refused first: 403 too),
# or 404 for an object that does not exist — not body validation's 422. Own callers, admin, auditor and
# platform send ``{}``: their writes would change the fixture's state, and auditor/platform/admin are
# global roles (shared.vocabulary.GLOBAL_ROLES), scoped by no bureau. A string "{name}" is the fixture's
# id of that name; "{due}" a date 30 days after the cases service's today.
_REASON = "案情复杂，需进一步核实"
BODIES: dict[str, dict] = {
    # -- checklist
    'PUT /checklist/v1/discretion/bureau-settings/{bureau}': {"rule_set": "mee-2019-factor-levels"},
    'POST /checklist/v1/self-checks': {"uscc": "{uscc}", "industry": "污水处理", "answers": {}},
    'POST /checklist/v1/typical-cases': {
        "code": "TC-MATRIX-1", "bureau": "{bureau}", "year": 2026, "title": "污水处理厂出水轻微超标不予处罚",
        "summary": "某污水处理厂出水化学需氧量超标10%以内，24小时内改正", "outcome": "不予行政处罚",
        "item_codes": ["GI-WAT-001"]},
    # -- cases: enterprises, filing, officers
    'POST /cases/v1/enterprises': {"uscc": "{uscc}", "name": "苏州某某环保科技有限公司", "bureau": "{bureau}",
                                   "industry": "污水处理", "address": "苏州市吴江区"},
    'POST /cases/v1/cases': {"uscc": "{uscc}", "bureau": "{bureau}", "source": "日常检查",
                             "summary": "出水化学需氧量超标排放", "violations": [{"code": "GI-WAT-001"}],
                             "handlers": ["officer-a", "officer-b"], "facts": {}},
    'POST /cases/v1/officers': {"sub": "officer-c", "name": "王执法", "bureau": "{bureau}", "cert_no": "JS32050009"},
    # -- cases: the steps (services/testing/factories.py CaseDriver)
    'POST /cases/v1/cases/{case_id}/evidence': {"kind": "监测报告", "description": "出水COD 55mg/L，超标10%以内",
                                                "collected_by": "officer-a"},
    'POST /cases/v1/cases/{case_id}/investigation/complete': {"facts": {"first_offence": True}},
    'POST /cases/v1/cases/{case_id}/legal-review': {"opinion": "approve", "notes": "事实清楚，证据确凿",
                                                    "proposed_type": "no_penalty", "proposed_fine": None},
    'POST /cases/v1/cases/{case_id}/opinions': {"from": "市生态环境局法规处", "content": "同意不予行政处罚"},
    'POST /cases/v1/cases/{case_id}/case-review': {"analysis": "违法行为轻微并及时改正，没有造成危害后果",
                                                   "conclusion": "不予行政处罚"},
    'POST /cases/v1/cases/{case_id}/collective-discussion': {
        "participants": ["leader-1", "leader-2", "leader-3"], "conclusion": "同意", "decision_type": "no_penalty",
        "fine_amount": None, "votes": {"for": 3, "against": 0, "abstain": 0}, "minutes": "集体讨论记录：一致同意。"},
    'POST /cases/v1/cases/{case_id}/rectification': {"measures": [
        {"kind": kind, "description": "按期完成", "due": "{due}"}
        for kind in ("correct_violation", "eliminate_consequences", "prevention_system", "damage_compensation")]},
    'POST /cases/v1/cases/{case_id}/rectification/assessment': {"passed": True, "notes": "整改到位"},
    'POST /cases/v1/cases/{case_id}/extensions': {"kind": "head_approval", "approved_by": "leader-1",
                                                  "reason": _REASON},
    'POST /cases/v1/cases/{case_id}/suspensions': {"kind": "testing", "reason": "委托检测", "approved_by": "leader-1"},
    'POST /cases/v1/cases/{case_id}/discretion': {"violation_code": "GI-WAT-001"},
    'POST /cases/v1/cases/{case_id}/notice': {"intended_type": "penalty", "intended_fine": 150000.0,
                                              "penalty_kinds": ["fine"], "facts_and_reasons": "超标排放"},
    'POST /cases/v1/cases/{case_id}/statement': {"waived": True, "by": "当事人"},
    'POST /cases/v1/cases/{case_id}/hearing': {"presided_by": "leader-2", "record": "听证笔录"},
    'POST /cases/v1/cases/{case_id}/decision': {"type": "no_penalty", "basis": {"no_penalty_item": "NP-EX-002"}},
    'POST /cases/v1/cases/{case_id}/execution': {"amount": 150000.0, "receipt": "非税收入票据 No.0001"},
    'POST /cases/v1/cases/{case_id}/close': {"notes": "结案"},
    'POST /cases/v1/cases/{case_id}/withdraw': {"reason": "违法事实不能成立"},
    'POST /cases/v1/cases/{case_id}/transfer': {"to": "苏州市公安局吴江分局", "reason": "涉嫌环境污染犯罪"},
    'POST /cases/v1/cases/{case_id}/follow-ups': {"due": "{due}"},
    'POST /cases/v1/cases/{case_id}/follow-ups/{index}/result': {"relapse": False, "notes": "未发现反弹"},
    'POST /cases/v1/cases/{case_id}/economic-impact': {"annual_revenue": 12000000.0, "employees": 80},
    'POST /cases/v1/cases/{case_id}/publication': {"reason": "具有一定社会影响"},
    'POST /cases/v1/cases/{case_id}/publication/withdraw': {"grounds": "changed", "reason": "复议决定变更"},
    # -- cases: advice letters, risk warnings
    'POST /cases/v1/advice-letters': {"uscc": "{uscc}", "findings": ["危险废物贮存场所未设置识别标志"],
                                      "requirements": ["按规定设置危险废物识别标志"], "due": "{due}"},
    'POST /cases/v1/advice-letters/{letter_id}/feedback': {"content": "已按要求整改", "completed": False},
    'POST /cases/v1/risk-warnings': {"warning_id": "JSZHJG-MATRIX-2", "uscc": "{uscc}", "level": "high",
                                     "indicators": ["废水排放超标"], "source": "环保脸谱",
                                     "issued_at": "2026-05-01T08:00:00+08:00"},  # signed raw body: no model
    'POST /cases/v1/risk-warnings/{warning_id}/inspection': {"findings": ["危险废物贮存场所未设置识别标志"],
                                                             "requirements": ["按规定设置危险废物识别标志"],
                                                             "due": "{due}"},
    # -- credit
    'POST /credit/v1/repair-applications': {
        "record_id": "{record_id}", "commitment": "本单位承诺所提交材料真实有效，愿意承担违反承诺的相应责任。",
        "evidence": [{"kind": "identity", "description": "法定代表人身份证明书"}]},
    'POST /credit/v1/repair-applications/{app_id}/accept': {},
    'POST /credit/v1/repair-applications/{app_id}/approve': {},
    'POST /credit/v1/repair-applications/{app_id}/reject': {"reason": "缺少罚款缴纳凭证"},
    'POST /credit/v1/positive-list': {"uscc": "{uscc}", "enterprise_name": "苏州某某环保科技有限公司",
                                      "bureau": "{bureau}", "reason_code": "effective_compliance_management",
                                      "reason": "主动开展合规管理且成效明显", "valid_from": "2026-01-01",
                                      "valid_until": "2026-12-31"},
    'POST /credit/v1/credit-grades/import': {"source_reference": "JS-EPCREDIT-2026-01", "grades": [
        {"uscc": "{uscc}", "grade": "green", "rated_on": "2026-01-01"}]},
    # -- audit
    'POST /audit/v1/flags/{flag_id}/assign': {"assignee": "auditor-2"},
    'POST /audit/v1/flags/{flag_id}/review': {"outcome": "cleared", "notes": "审核无异常"},
    'POST /audit/v1/interference-records': {"case_id": "{case_id}", "number": "{number}", "uscc": "{uscc}",
                                            "bureau": "{bureau}", "person": "某领导", "position": "副局长",
                                            "manner": "电话要求从轻处理", "occurred_on": "2026-05-01"},
}
