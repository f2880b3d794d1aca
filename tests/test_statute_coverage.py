"""The statute coverage table (services/cases/workflow/coverage.yaml): every article of 《行政处罚法》
第二十八条..第七十三条 and the pilot plan's 三（五）..三（七） have a row, every row's status has its companion
field, every rule id and flag code exists in a registry (none is "pending"), and every rule a row names
really cites the row's article (a mapping to an unrelated rule fails)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping

import pytest

from services.audit.flags import rules as audit_rules
from services.cases import deadlines
from services.cases.publication import rules as publication_rules
from services.cases.workflow import RECTIFICATION_RULE, REMEDIES, RULES
from services.cases.workflow import coverage as cov_mod
from services.cases.workflow.coverage import (
    APL_LAW,
    MEASURES_LAW,
    PILOT_KEYS,
    PILOT_LAW,
    STATUSES,
    CoverageError,
    apl_keys,
    article_key,
    cited_articles,
    cn_number,
    load,
    mentions,
    missing_articles,
    parse,
    problems,
)
from services.credit.records import rules as credit_records_rules
from services.credit.repair import rules as credit_repair_rules
from shared.law import APL, MEASURES, PILOT
from shared.rules import Rule

COV = load()


# -- the registries: id -> the citation text that must name the row's article --------------------------
def _module_rules(*modules) -> dict[str, str]:
    return {v.code: v.article for m in modules for v in vars(m).values() if isinstance(v, Rule)}


DEADLINE_BASES = {
    "filing": deadlines.FILING_BASIS,
    "handling": deadlines.HANDLING_BASIS,
    "statement": deadlines.STATEMENT_BASIS,
    "hearing_request": deadlines.HEARING_BASIS,
    "service": deadlines.SERVICE_BASIS,
    "payment": deadlines.PAYMENT_BASIS,
    "limitation": deadlines.LIMITATION_BASIS,
}


def rule_registry() -> dict[str, str]:
    reg = {code: r.article for code, r in RULES.items()}
    reg |= {r.code: r.article for r in (RECTIFICATION_RULE, *REMEDIES)}
    reg |= {f"deadline:{k}": v for k, v in DEADLINE_BASES.items()}
    reg |= {f"publication:{k}": v for k, v in _module_rules(publication_rules).items()}
    reg |= {f"credit:{k}": v for k, v in _module_rules(credit_records_rules, credit_repair_rules).items()}
    return reg


def flag_registry() -> dict[str, str]:
    """Audit rule code -> its function's source with the law titles filled in (the hit's citation)."""
    out: dict[str, str] = {}
    for code in audit_rules.RULE_CODES:
        fn = getattr(audit_rules, code)
        out[code] = (inspect.getsource(fn).replace("{APL}", APL).replace("{PILOT}", audit_rules.PILOT)
                     .replace("{MEASURES}", MEASURES))
    return out


RULE_REG = rule_registry()
FLAG_REG = flag_registry()


# -- the Chinese numerals the keys are generated with ------------------------------------------------------
@pytest.mark.parametrize(("n", "cn"), [
    (1, "一"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (28, "二十八"), (30, "三十"),
    (45, "四十五"), (73, "七十三"), (99, "九十九"), (100, "一百"), (101, "一百零一"), (110, "一百一十"),
    (115, "一百一十五"), (230, "二百三十"),
])
def test_cn_number(n: int, cn: str) -> None:
    assert cn_number(n) == cn


@pytest.mark.parametrize("n", [0, -1, 1000])
def test_cn_number_out_of_range(n: int) -> None:
    with pytest.raises(ValueError):
        cn_number(n)


def test_apl_keys_are_the_46_articles_of_chapters_4_to_6() -> None:
    keys = apl_keys()
    assert len(keys) == 46 == len(set(keys))
    assert keys[0] == "第二十八条" and keys[-1] == "第七十三条"
    assert "第四十二条" in keys and "第六十条" in keys and "第二十七条" not in keys and "第七十四条" not in keys
    assert article_key(57) == "第五十七条"


def test_cited_articles_attributes_each_article_to_its_law() -> None:
    text = f"{APL}第四十四条、第六十二条；《生态环境行政处罚办法》（生态环境部令第30号）第三十五条"
    assert cited_articles(text) == {(APL_LAW, "第四十四条"), (APL_LAW, "第六十二条"), (MEASURES_LAW, "第三十五条")}
    assert mentions(f"{APL}第五十七条第二款", APL_LAW, "第五十七条")
    assert not mentions(f"{APL}第六十一条", APL_LAW, "第六十条")
    assert not mentions("《生态环境行政处罚办法》第五十七条", APL_LAW, "第五十七条")


def test_cited_articles_reads_the_pilot_plans_sections() -> None:
    text = f"{APL}第三十四条；{PILOT}三（五）、五（三）"
    assert cited_articles(text) == {(APL_LAW, "第三十四条"), (PILOT_LAW, "三（五）"), (PILOT_LAW, "五（三）")}
    # an item of an article (第（二）项) is not a section; a section is not an article of the statute
    assert cited_articles(f"{APL}第五十八条第一款第（二）项") == {(APL_LAW, "第五十八条")}
    assert not mentions(f"{APL}第三十七条；{PILOT}三（六）", APL_LAW, "三（六）")
    assert mentions(f"{APL}第三十七条；{PILOT}三（六）", PILOT_LAW, "三（六）")
    assert PILOT_LAW == "苏州市生态环境领域涉企行政合规指导工作试点方案"


# -- the table -------------------------------------------------------------------------------------------
def test_every_apl_article_28_to_73_has_a_row() -> None:
    assert missing_articles(COV) == [], "articles of 《行政处罚法》 with no row in coverage.yaml"


def test_missing_article_is_reported() -> None:
    doc = {"articles": [{"law": APL_LAW, "article": "第二十八条", "title": "t", "source": "s", "verified": True,
                         "status": "not_applicable", "why": "w"}]}
    cov = parse(doc)
    assert missing_articles(cov)[:2] == ["第二十九条", "第三十条"]
    assert len(missing_articles(cov)) == 45


def test_the_table_has_rows_for_the_measures() -> None:
    assert COV.by_status("enforced") and [r for r in COV.rows if r.law == MEASURES_LAW]


def test_the_pilot_plan_sections_the_rules_rest_on_have_rows() -> None:
    assert missing_articles(COV, PILOT_LAW, PILOT_KEYS) == []
    mapped = {rid for r in COV.rows if r.law == PILOT_LAW for rid in r.rules}
    assert {"must_list_item_forbids_penalty", "damage_compensation_required"} <= mapped


def test_the_table_speaks_of_the_merged_code() -> None:
    """No row still describes the code before issue 23's branches merged."""
    text = cov_mod.TABLE.read_text(encoding="utf-8")
    stale = [w for w in ("其他分支", "合并前", "pending_rule_ids", "withdraw_before_review") if w in text]
    assert not stale, stale


def test_every_refusing_rule_is_mapped() -> None:
    """Every rule the workflow refuses with is named by some row (an unmapped rule is a gap in the map)."""
    unmapped = sorted(code for code in RULES if code not in COV.rule_ids() and code not in UNMAPPED)
    assert not unmapped, f"rules of services.cases.workflow.rules with no row in coverage.yaml: {unmapped}"


# Rules no row names, and why: their instrument has no row in the table.
UNMAPPED = {
    "fine_within_statutory_range": "cites the violation's own penalty article (违法行为所适用罚则), not a row's",
    "statutory_range_required": "cites the violation's own penalty article (违法行为所适用罚则)",
    "credit_notice_with_decision": "cites the Suzhou credit notice (2022), which has no row",
    "transfer_suspected_crime": "used by no code (named in the 第五十七条 row's gaps)",
    "follow_up_after_closing": "used by no code (named in the pilot plan 三（七） row's gaps)",
}


def test_each_row_has_its_companion_field() -> None:
    for r in COV.rows:
        companion = STATUSES[r.status]
        assert getattr(r, companion), f"{r.law}{r.article}: {r.status} without {companion}"


@pytest.mark.parametrize(("change", "needle"), [
    ({"status": "done"}, "unknown status"),
    ({"status": "enforced", "rules": []}, "needs a non-empty 'rules'"),
    ({"status": "recorded"}, "needs 'recorded_by'"),
    ({"status": "human_judgement"}, "needs 'shown'"),
    ({"why": ""}, "needs 'why'"),
    ({"verified": "yes"}, "'verified'"),
    ({"article": "第28条"}, "as the statute writes it"),
    ({"law": PILOT_LAW, "article": "第六条"}, "as the statute writes it (三（六）)"),
    ({"law": "行政处罚法"}, "law is one of"),
    ({"rules": ["other:x"]}, "unknown namespace"),
])
def test_malformed_rows_are_refused(change: Mapping[str, object], needle: str) -> None:
    row = {"law": APL_LAW, "article": "第二十八条", "title": "t", "source": "s", "verified": True,
           "status": "not_applicable", "why": "w"} | dict(change)
    found = problems({"articles": [row]})
    assert any(needle in p for p in found), found
    with pytest.raises(CoverageError):
        parse({"articles": [row]})


def test_duplicate_rows_are_refused() -> None:
    row = {"law": APL_LAW, "article": "第二十八条", "title": "t", "source": "s", "verified": True,
           "status": "not_applicable", "why": "w"}
    assert any("duplicate" in p for p in problems({"articles": [row, dict(row)]}))


def test_pending_rule_ids_are_refused() -> None:
    row = {"law": APL_LAW, "article": "第二十八条", "title": "t", "source": "s", "verified": True,
           "status": "not_applicable", "why": "w"}
    assert any("pending_rule_ids" in p for p in problems({"pending_rule_ids": ["x"], "articles": [row]}))


def test_a_pilot_plan_row_is_keyed_by_its_section() -> None:
    row = {"law": PILOT_LAW, "article": "三（六）", "title": "t", "source": "s", "verified": True,
           "status": "not_applicable", "why": "w"}
    assert problems({"articles": [row]}) == []


def test_verified_only_where_the_text_was_read() -> None:
    """《行政处罚法》 was read in full (LawRefBook/Laws); of the Measures only 第一条–第六条 (a reprint); the
    pilot plan in full (../shared/seeds)."""
    for r in COV.rows:
        if r.law == APL_LAW:
            assert r.verified and "LawRefBook/Laws" in r.source, r.article
        elif r.law == PILOT_LAW:
            assert r.verified and "shared/seeds" in r.source, r.article
        elif r.verified:
            assert r.article == "第六条", f"{r.law}{r.article} is marked verified but its text was not read"


# -- the rule ids ----------------------------------------------------------------------------------------
def test_rule_ids_exist() -> None:
    unknown = sorted(rid for rid in COV.rule_ids() if rid not in RULE_REG)
    assert not unknown, f"rule ids in coverage.yaml that no registry has: {unknown}"


def test_flag_codes_exist() -> None:
    unknown = sorted(f for f in COV.flag_codes() if f not in FLAG_REG)
    assert not unknown, f"audit flag codes in coverage.yaml that services.audit.flags.rules does not have: {unknown}"


def test_enforced_rules_cite_the_rows_article() -> None:
    """A rule named in a row must cite that article of that law — catches a mapping to an unrelated rule."""
    wrong = []
    for r in COV.by_status("enforced"):
        for rid in r.rules:
            if rid in RULE_REG and not mentions(RULE_REG[rid], r.law, r.article):
                wrong.append(f"{r.law}{r.article}: {rid} cites {RULE_REG[rid][:80]!r}")
    assert not wrong, "\n".join(wrong)


def test_flags_cite_the_rows_article() -> None:
    wrong = [f"{r.law}{r.article}: audit {f}" for r in COV.rows for f in r.flags
             if f in FLAG_REG and not mentions(FLAG_REG[f], r.law, r.article)]
    assert not wrong, "\n".join(wrong)


def test_an_unrelated_rule_would_be_caught() -> None:
    assert not mentions(RULE_REG["two_certified_handlers"], APL_LAW, "第五十八条")
    assert mentions(RULE_REG["two_certified_handlers"], APL_LAW, "第四十二条")
    # the Measures' 第五十七条 is not the statute's 第五十七条
    assert not mentions(RULE_REG["handling_extension_limit"], APL_LAW, "第五十七条")


def test_loader_reads_the_table_beside_the_module() -> None:
    assert cov_mod.TABLE.name == "coverage.yaml" and cov_mod.TABLE.parent.name == "workflow"
    assert COV.row(APL_LAW, "第四十二条") is not None
