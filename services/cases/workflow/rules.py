"""The rules of the case workflow, each with the article it enforces — pure data.

``verified``: the quoted text is the article's own (read in full: 《行政处罚法》 2021, the pilot plan in
``../shared/seeds``); ``False``: either the text was only read in an interpretation (the 2023 Measures),
or the rule is **our reading** (``reading=True``) — a conclusion the team draws from the cited articles,
stated as such and never quoted as the article's words."""

from __future__ import annotations

from services.cases.damage.workflow import GROUNDS, Ground
from shared.law import APL, LITIGATION, LOCAL, MEASURES, PILOT, RECONSIDERATION
from shared.rules import Rule, reading


def _ground_cn(g: Ground) -> str:
    flag = "原文已核实" if g.verified else "verified: false，据解读材料，原文未核实"
    return f"“{g.text}”（{g.source}；{flag}）"


# 试点方案 三（七） "应全面履行生态环境损害赔偿责任": the three ways the case shows the liability performed or none left to
# perform (our reading) — the refusal and the rule say the same words.
DAMAGE_WAYS = (
    "（一）整改方案含 damage_compensation（履行生态环境损害赔偿责任）措施且整改评估通过；"
    "（二）本案的损害赔偿事项依法不启动索赔并载明依据——" + "或".join(_ground_cn(g) for g in GROUNDS.values())
    + "——无尚待履行的赔偿责任；"
    "（三）本案的损害赔偿事项经修复效果评估通过且约定赔偿金已足额缴纳（已缴纳额不少于赔偿协议约定数额）——"
    "赔偿责任已通过该事项履行"
)

RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("two_certified_handlers", f"{APL}第四十二条",
             "行政处罚应当由具有行政执法资格的执法人员实施。执法人员不得少于两人，法律另有规定的除外",
             remedy="name at least two officers on the certificate register"),
        # Our reading, not the article's words: 第四十二条 asks for two officers with 执法资格; that they are the
        # deciding authority's own (or act in its name, 第二十条 委托) is how we read it with 第十七条 (由具有行政处罚权
        # 的行政机关在法定职权范围内实施). Entrusted or dispatched staff cannot yet be registered for two bureaus.
        reading("handlers_of_own_bureau", f"{APL}第十七条、第二十条、第四十二条",
                "执法人员为作出处罚决定的行政机关的执法人员（或以其名义实施），方计入第四十二条的两名执法人员",
                "name officers registered with the case's bureau"),
        reading("state_order", f"{APL}第五十四条、第五十七条、第五十八条",
                 "立案、调查取证、调查终结审查、法制审核、作出决定须依次进行",
                 "take the actions allowed in the current state first"),
        reading("reviewer_not_handler", f"{APL}第五十八条",
                 "法制审核由从事法制审核的人员进行；本案执法人员不审核本案",
                 "have a legal reviewer who is not a handler of the case review it"),
        reading("legal_review_before_decision", f"{APL}第五十八条",
                 "未经法制审核或者审核未通过的，不得作出决定（第五十八条列明四种情形；本系统对每一决定都要求法制审核）",
                 "pass legal review (POST …/legal-review with opinion approve) first"),
        Rule("evidence_required", f"{APL}第五十四条",
             "必须全面、客观、公正地调查，收集有关证据",
             remedy="record evidence (POST …/evidence)"),
        Rule("collective_discussion_for_exemption", f"{PILOT}三（六）",
             "经立案、调查取证、法制审核、集体讨论等法定程序作出不予行政处罚决定",
             remedy="hold a collective discussion that concludes no_penalty"),
        reading("collective_discussion_for_light_penalty", f"{APL}第五十七条第二款；{PILOT}五（三）",
                 "免罚轻罚案件充分运用裁量基准、一案一议、征求意见、集体审议等方式（五（三））：本系统对每一从轻、减轻处罚要求集体讨论",
                 "hold a collective discussion that concludes this decision type"),
        reading("discussion_participants_not_handlers", f"{APL}第五十七条第二款",
                 "行政机关负责人应当集体讨论决定：本案执法人员不作为集体讨论的参加人",
                 "record a discussion whose participants are leaders who did not handle the case"),
        reading("review_after_hearing", f"{APL}第五十八条第一款第（二）项",
                 "直接关系当事人或者第三人重大权益，经过听证程序的，应当进行法制审核：听证后须重新法制审核",
                 "have legal review approve the case again after the hearing"),
        reading("collective_discussion_quorum", f"{APL}第五十七条第二款；{LOCAL}",
                 "行政机关负责人应当集体讨论决定；出席人数与表决规则为本地设置（默认至少三人出席、过半数同意）",
                 "record a discussion with at least the quorum of participants"),
        reading("collective_discussion_required", f"{APL}第五十七条第二款；{PILOT}三（六）；{LOCAL}",
                 "对情节复杂或者重大违法行为给予行政处罚，行政机关负责人应当集体讨论决定（第五十七条第二款）：本系统认定"
                 "下列情形须集体讨论——责令停产停业、责令停产整治、责令关闭、吊销许可证件；罚款数额达到本局设置的标准"
                 "（本地设置，全国未规定具体数额：默认取本局听证“较大数额”标准，均未设置时取二十万元——《生态环境行政处罚办法》第八十九条据解读材料）；每一不予行政处罚、从轻、减轻处罚（三（六））",
                 "hold a collective discussion of the bureau's leaders that concludes this decision"),
        reading("discussion_participants_leaders", f"{APL}第五十七条第二款",
                 "行政机关负责人应当集体讨论决定：参加人须为本局登记在册的负责人（officers 登记 leader），且不少于出席人数",
                 "register the participants as leaders (负责人) of the case's bureau (POST /cases/v1/officers with "
                 "leader: true), and record a discussion of at least the quorum of them"),
        Rule("suspension_blocks_decision", f"{MEASURES}第三十五条；{APL}第六十条",
             "中止、检测、评估、认定期间不计入办案期限；中止须经负责人批准（《处罚办法》第三十五条，据解读材料）。"
             "行政机关应当自行政处罚案件立案之日起九十日内作出行政处罚决定（第六十条）。本系统解读：中止期间不作出决定、"
             "不撤销立案、不移送，恢复后方可继续；不计入的天数为实际中止的天数（中止日至恢复日）",
             remedy="resume the case (POST …/resume) once the reason for the suspension has ended", verified=False),
        reading("evidence_by_certified_handlers", f"{APL}第四十二条",
             "行政处罚应当由具有行政执法资格的执法人员实施（本系统解读：证据由本案持证执法人员——在执法人员登记中有执法证号、"
             "且为本案承办人——收集的，方计入；其他人收集的证据予以记录但不计入，法制审核通过与作出决定至少需要一份计入的证据）",
             remedy="record evidence collected by a certified handler of the case (collected_by one of its handlers)"),
        reading("must_list_item_forbids_penalty", f"{PILOT}三（六）",
             "对符合《长江三角洲区域生态环境领域轻微违法行为依法不予行政处罚清单》不予行政处罚条件的违法行为，"
             "……经立案、调查取证、法制审核、集体讨论等法定程序作出不予行政处罚决定（本系统解读：事实完全符合"
             "“应当不予”（must）清单事项的，不得作出处罚决定；“可以不予”（may）事项由行政机关裁量）",
             remedy="decide the exemption (no_penalty) on the list item the facts meet"),
        reading("damage_compensation_required", f"{PILOT}三（七）",
             "合规整改措施内容至少包括完成环境违法问题整改、消除环境违法后果影响、建立环境违法预防制度等措施，"
             "违反国家规定造成生态环境损害的，应全面履行生态环境损害赔偿责任（本系统解读：事实记录生态环境损害的免罚、"
             f"从轻、减轻，须满足其一——{DAMAGE_WAYS}）",
             remedy="add the damage_compensation measure to the rectification plan (POST …/rectification) and pass "
                    "its assessment (POST …/rectification/assessment); or record on the case's damage matter "
                    "(POST …/damage/steps) not_start on a ground (significantly_slight | already_restored); or run "
                    "the matter to evaluate passed with the agreed amount paid in full (pay)"),
        Rule("correction_order_required", f"{APL}第二十八条第一款",
             "行政机关实施行政处罚时，应当责令当事人改正或者限期改正违法行为",
             remedy="state correction_order in the decision: what the party must correct and by when (责令改正或者限期改正)"),
        Rule("notice_before_penalty", f"{APL}第四十四条、第六十二条",
             "行政机关在作出行政处罚决定之前，应当告知当事人拟作出的行政处罚内容及事实、理由、依据，"
             "并告知当事人依法享有的陈述、申辩、要求听证等权利",
             remedy="notify the party (POST …/notice) and let the rights periods run or record a waiver"),
        Rule("rights_period_running", f"{APL}第六十二条、第六十四条",
             "拒绝听取当事人的陈述、申辩，不得作出行政处罚决定；当事人明确放弃陈述或者申辩权利的除外。"
             "当事人要求听证的，应当在行政机关告知后五日内提出",
             remedy="wait until the statement and hearing-request periods have run out, or record the party's waiver"),
        reading("rights_deadline_provisional", f"{APL}第六十四条、第八十五条",
                 "“五日”是指工作日，不含法定节假日；期限所在年份的节假日安排未载入时，期限届满日只是推算，不视为已届满",
                 "load the holiday schedule of that year (POST /cases/v1/calendar), or record the party's waiver"),
        Rule("hearing_before_decision", f"{APL}第六十三条、第六十四条",
             "当事人要求听证的，行政机关应当组织听证；听证由行政机关指定的非本案调查人员主持",
             remedy="hold the requested hearing, presided by someone who did not investigate the case"),
        Rule("hearing_right_not_given", f"{APL}第六十三条",
             "行政机关拟作出下列行政处罚决定，应当告知当事人有要求听证的权利",
             remedy="the hearing right follows the intended penalty; 第一款第（一）项“较大数额” is a local setting "
                    "(ECOCOMPLY_CASES_HEARING_FINE_THRESHOLDS)"),
        Rule("notice_states_basis", f"{APL}第四十四条",
             "行政机关在作出行政处罚决定之前，应当告知当事人拟作出的行政处罚内容及事实、理由、依据",
             remedy="state the facts, the reasons and the basis — the violated provision and the penalty article of "
                    "each violation (omit basis to have the guidance items' articles stated)"),
        reading("heavier_renotice_needs_new_facts", f"{APL}第四十五条",
                 "行政机关不得因当事人陈述、申辩而给予更重的处罚：当事人对告知进行陈述、申辩后，重新告知更重的处罚"
                 "（种类更重、罚款更高或增加处罚种类）的，须在该陈述、申辩之后经重新调查补充证据且案件事实发生变化，"
                 "重新告知载明新的事实与证据（new_facts）",
                 "re-investigate (POST …/reinvestigate), add the new evidence and complete the investigation with the "
                 "changed facts, have legal review approve again, then notify"),
        Rule("hearing_notice_seven_days", f"{APL}第六十四条第（二）项、第八十五条",
             "行政机关应当在举行听证的七日前，通知当事人及有关人员听证的时间、地点；"
             "本法中“二日”“三日”“五日”“七日”的规定是指工作日，不含法定节假日",
             remedy="schedule the hearing (POST …/hearing/schedule) at least seven working days after the party is "
                    "notified of its time and place, and hold it no earlier than scheduled"),
        Rule("hearing_presider_not_investigator", f"{APL}第六十四条第（四）项",
             "听证由行政机关指定的非本案调查人员主持",
             remedy="designate a presider who is not a handler of the case"),
        Rule("hearing_record_required", f"{APL}第六十四条第（八）项",
             "听证应当制作笔录。笔录应当交当事人或者其代理人核对无误后签字或者盖章。当事人或者其代理人拒绝签字或者盖章的，"
             "由听证主持人在笔录中注明",
             remedy="give the record (笔录), the party's statements, and whether the party signed it (or the "
                    "presider's note of its refusal)"),
        reading("decision_on_hearing_record", f"{APL}第六十五条",
                 "听证结束后，行政机关应当根据听证笔录作出决定：本系统核对的是——听证后案件事实（facts）与举行听证时记录的"
                 "事实不同的，或决定（种类、罚款数额、处罚种类）重于听证时拟作出的处罚的，不得作出决定；"
                 "笔录内容本身是否支持决定，由负责人判断",
                 "decide on the facts the hearing record holds; changed facts or a heavier penalty need a new notice "
                 "(and, if requested, a new hearing)"),
        Rule("no_heavier_for_defence", f"{APL}第四十五条",
             "行政机关不得因当事人陈述、申辩而给予更重的处罚",
             remedy="decide no heavier than the notice the party answered; a heavier penalty on new facts needs a "
                    "new notice and its rights periods"),
        reading("notice_binds_decision", f"{APL}第四十四条、第四十五条、第六十二条、第六十三条",
                 "决定不得重于事先告知的处罚内容（种类、罚款数额）；拟加重的，须重新告知并重新给予陈述、申辩、听证期限，"
                 "无论当事人是否陈述、申辩",
                 "issue a new notice (POST …/notice) stating the heavier penalty and let its rights periods run"),
        Rule("mitigating_circumstance_required", f"{APL}第三十二条；{PILOT}三（五）",
             "当事人有下列情形之一，应当从轻或者减轻行政处罚（第三十二条）；充分考虑合规整改因素，依法从轻处罚（三（五））",
             remedy="establish a 第三十二条 circumstance in the facts, or pass the compliance rectification assessment"),
        reading("mitigation_needs_article_32", f"{APL}第三十二条；{PILOT}三（五）",
                 "减轻处罚须有第三十二条规定的情形之一；合规整改仅作为从轻处罚因素（三（五）：依法从轻处罚）",
                 "establish a 第三十二条 circumstance in the facts, or decide lighter (从轻) within the range"),
        Rule("article_32_requires_lighter", f"{APL}第三十二条",
             "当事人有下列情形之一，应当从轻或者减轻行政处罚",
             remedy="decide lighter (从轻) or mitigated (减轻): a 第三十二条 circumstance is established"),
        Rule("article_33_requires_exemption", f"{APL}第三十三条",
             "违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚……当事人有证据足以证明没有主观过错的，不予行政处罚",
             remedy="decide no_penalty on the statutory ground the facts establish"),
        reading("lighter_within_lighter_range", f"{APL}第三十二条；{LOCAL}",
                 "从轻处罚是在法定幅度内较低的部分处罚：罚款不得高于裁量计算的从轻区间上限（区间比例为本地设置）",
                 "fine within the calculated 从轻 range"),
        reading("fine_kinds_required", f"{APL}第三十二条；违法行为所适用罚则",
                 "罚则规定了罚款下限（并处罚款）的，处罚须处以罚款；低于下限或不处罚款的，仅限依第三十二条减轻处罚且仍处以罚款",
                 "impose the fine the penalty article prescribes, or mitigate (减轻) on a 第三十二条 ground"),
        reading("mitigated_below_minimum", f"{APL}第三十二条",
                 "减轻处罚是在法定罚款最低额以下处罚；法定幅度以内的从宽处罚为从轻处罚",
                 "decide lighter (从轻) for a fine within the statutory range"),
        reading("aggravating_circumstance_required", f"{APL}第三十四条",
                 "从重处罚须有裁量基准规定的从重情形在案（事实中至少一项为真，或裁量计算结果为从重）",
                 "establish an aggravating circumstance of the bureau's discretion rule set in the facts"),
        reading("fine_within_statutory_range", "违法行为所适用罚则的法定罚款幅度；" + f"{APL}第三十二条",
                 "罚款数额不得超出罚则规定的最高额（数个违法行为的，以各行为罚则最高额之和为限；同一个违法行为违反多个罚则的，"
                 "按罚款数额高的规定，第二十九条）；低于最低额的，仅限依第三十二条减轻处罚",
                 "fine within the statutory range of the violation's penalty article"),
        reading("statutory_range_required", "违法行为所适用罚则的法定罚款幅度",
                 "罚款须能确定罚则规定的法定幅度（按倍数计罚的，案件须记录计罚基数）",
                 "record the facts the fine calculation needs (e.g. base_amount_cny) and retry"),
        reading("act_date_required", f"{APL}第三十六条、第三十七条",
                 "期限从违法行为发生之日起计算（第三十六条）；适用违法行为发生时的法律、法规、规章的规定（第三十七条）："
                 "每一违法行为须录入发生日期，方可作出决定",
                 "record the act's dates (POST …/investigation/complete with violations: [{code, occurred_on, ended_on}])"),
        Rule("limitation_at_decision", f"{APL}第三十六条",
             "违法行为在二年内未被发现的，不再给予行政处罚；涉及公民生命健康安全、金融安全且有危害后果的，上述期限延长至五年。"
             "法律另有规定的除外。前款规定的期限，从违法行为发生之日起计算；违法行为有连续或者继续状态的，从行为终了之日起计算",
             remedy="correct the act dates or the facts if they are wrong; an act not discovered within the period is "
                    "not penalised (decide no penalty, or withdraw)"),
        Rule("law_at_time_of_act", f"{APL}第三十七条",
             "实施行政处罚，适用违法行为发生时的法律、法规、规章的规定。但是，作出行政处罚决定时，法律、法规、规章已被修改或者废止，"
             "且新的规定处罚较轻或者不认为是违法的，适用新的规定",
             remedy="fine within the lighter of the ranges in force at the act date and at the decision date"),
        reading("list_item_in_force", f"{APL}第三十七条；{PILOT}三（六）",
             "对符合《长江三角洲区域生态环境领域轻微违法行为依法不予行政处罚清单》不予行政处罚条件的违法行为……"
             "作出不予行政处罚决定（本系统解读：清单事项仅在其施行期内（生效之日起、失效之日止）适用；依第三十七条从旧兼从轻，"
             "违法行为发生时或者作出决定时施行的事项均可适用，两个时点都不在施行期内的不予适用）",
             remedy="rely on a list item in force at the act date or at the decision date (not before its "
                    "effective_from, not after its effective_to), or on a statutory ground"),
        Rule("one_act_one_fine", f"{APL}第二十九条",
             "对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚",
             remedy="do not fine the act again (decide without a fine), or correct the act dates if this is another act"),
        Rule("one_act_highest_range", f"{APL}第二十九条",
             "同一个违法行为违反多个法律规范应当给予罚款处罚的，按照罚款数额高的规定处罚",
             remedy="fine within the range of the article with the highest maximum (not the sum of the articles)"),
        Rule("discretion_calculation_required", f"{APL}第三十四条；{PILOT}三（五）",
             "行政机关可以依法制定行政处罚裁量基准，规范行使行政处罚裁量权；准确适用裁量基准",
             remedy="make the discretion calculation (POST …/discretion) with the facts it needs"),
        reading("reason_outside_range", f"{APL}第三十四条；{PILOT}三（五）、五（三）",
                 "罚款数额超出裁量基准计算区间（法定幅度以内）的，须书面说明理由，并纳入监督审核",
                 "give a written reason, or fine within the calculated range"),
        reading("no_penalty_item_required", f"{APL}第三十三条；{PILOT}三（六）",
                 "不予行政处罚须载明所依据的免罚清单事项或法定情形",
                 "name the no-penalty item (basis.no_penalty_item)"),
        reading("no_penalty_item_covers_violation", f"{PILOT}三（六）",
                 "对符合免罚清单不予行政处罚条件的违法行为……不予行政处罚：清单事项只适用于其所列违法行为（applies_to）",
                 "rely on an item whose applies_to covers every violation of the case, or on a statutory ground"),
        reading("no_penalty_conditions_met", f"{PILOT}三（六）",
             "对符合《长江三角洲区域生态环境领域轻微违法行为依法不予行政处罚清单》不予行政处罚条件的违法行为，"
             "……作出不予行政处罚决定（本系统解读：缺失的事实不视为满足）",
             remedy="establish every condition of the item in the facts (investigation)"),
        Rule("article_33_facts_required", f"{APL}第三十三条第一款、第二款",
             "违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。初次违法且危害后果轻微并及时改正的，可以不予行政处罚。"
             "当事人有证据足以证明没有主观过错的，不予行政处罚。法律、行政法规另有规定的，从其规定",
             remedy="establish in the facts a ground of the paragraph of 第三十三条 the list item cites — 第一款 (items "
                    "citing no paragraph): violation_minor, corrected_in_time and no_harm, or first_offence, harm_minor "
                    "(no_harm establishes it) and corrected_in_time; 第二款 (items citing it): no_fault_proven, with "
                    "other_law_provides_otherwise false"),
        reading("harm_recorded", f"{APL}第三十三条第一款",
                 "事实记录了生态环境损害的，不属于“没有造成危害后果”的情形；仅可能适用“初次违法且危害后果轻微并及时改正”",
                 "decide a penalty (with compensation for the damage), or establish that the harm is minor "
                 "(首违可不罚: first_offence, harm_minor, corrected_in_time)"),
        reading("first_offence_against_record", f"{APL}第三十三条第一款；{LOCAL}",
                 "“初次违法且危害后果轻微并及时改正的，可以不予行政处罚”：“初次”以本系统案件记录核对，回溯期限为本地设置",
                 "correct the first_offence fact: the enterprise's record shows an earlier decision for this violation"),
        reading("out_of_list_rectification", f"{PILOT}三（六）",
                 "对于免罚清单外，但符合《中华人民共和国行政处罚法》免罚情形的，企业完成合规整改后……（本系统要求整改经评估通过）",
                 "complete the rectification and pass its assessment"),
        reading("out_of_list_case_review", f"{PILOT}三（六）",
                 "试点单位还应根据案情探索增加一案一议……等环节（本系统对清单外免罚一律要求）",
                 "record the case-by-case review (POST …/case-review)"),
        reading("out_of_list_opinions", f"{PILOT}三（六）",
                 "试点单位还应根据案情探索增加……征求意见、集体审议等环节（本系统对清单外免罚一律要求）",
                 "solicit and record opinions (POST …/opinions)"),
        reading("no_fine_with_exemption", f"{APL}第三十三条", "不予行政处罚决定不处以罚款", "omit fine_amount"),
        Rule("fine_required", f"{APL}第五十九条", "行政处罚决定书应当载明下列事项：……（三）行政处罚的种类和依据",
             remedy="give fine_amount for a decision that imposes a fine"),
        Rule("decider_is_leader", f"{APL}第五十七条",
             "调查终结，行政机关负责人应当对调查结果进行审查，根据不同情况，分别作出如下决定",
             remedy="have a leader (行政机关负责人) decide"),
        reading("decider_not_handler", f"{APL}第五十七条、第五十八条",
                 "作出决定的行政机关负责人不是本案执法人员（调查与决定分离）",
                 "have a leader who is not a handler of the case decide"),
        reading("review_binds_decision", f"{APL}第五十八条",
                 "未经法制审核或者审核未通过的，不得作出决定：决定须与法制审核通过的拟处理意见（决定种类、罚款数额）一致",
                 "decide what legal review approved, or return the case to legal review with the new proposal"),
        reading("discussion_binds_decision", f"{APL}第五十七条第二款；{PILOT}三（六）",
                 "行政机关负责人应当集体讨论决定：决定须与集体讨论以多数通过的结论（决定种类、罚款数额）一致",
                 "decide what the collective discussion concluded, or discuss the case again"),
        reading("handling_extension_limit", f"{MEASURES}第五十七条",
                 "经负责人批准可以延长三十日；经延期仍不能作出处理决定的，由负责人集体讨论决定是否继续延期，继续延长不得超过三十日"),
        reading("no_retroactive_extension", f"{MEASURES}第三十五条、第五十七条",
                 "延期、中止须在办案期限届满前批准；期限已届满的案件保持超期状态，不得事后延期或中止"),
        Rule("suspension_open", f"{MEASURES}第三十五条",
             "中止、检测、评估、认定期间不计入办案期限；中止须经负责人批准", verified=False),
        reading("time_limit_approved_by_leader", f"{MEASURES}第三十五条、第五十七条",
                 "中止（检测、评估、认定）与办案期限延长须经负责人批准（据解读材料，条文原文未核实）：本系统要求由非本案执法人员的"
                 "负责人本人提交，批准人不能由执法人员代为填写",
                 "have a leader (行政机关负责人) who does not handle the case suspend it or extend its handling period"),
        reading("fine_paid_before_closing", f"{APL}第六十七条",
                 "当事人应当自收到行政处罚决定书之日起十五日内缴纳罚款；本系统在罚款缴纳（执行完毕）后方可结案"),
        Rule("credit_notice_with_decision", "《关于规范苏州市生态环境处罚信息信用公示和修复工作的通知》（苏州，2022）",
             "送达《行政处罚决定书》的同时，将《环保信用失信记录告知书》和《信用修复指引》一并送至企业（三书送达）",
             verified=False),
        reading("ending_before_decision", f"{APL}第五十四条、第五十七条",
                 "撤销立案、终止、违法事实不能成立、移送只在作出决定之前；决定作出后的变更、撤销经 …/decision/change 记录",
                 "record a change of the decision (POST …/decision/change) instead"),
        Rule("transfer_suspected_crime", f"{APL}第五十七条第一款第（四）项", "违法行为涉嫌犯罪的，移送司法机关"),
        reading("ending_decided_by_leader", f"{APL}第五十七条",
                 "调查终结，行政机关负责人应当对调查结果进行审查，根据不同情况，分别作出如下决定……（三）违法事实不能成立的，"
                 "不予行政处罚；（四）违法行为涉嫌犯罪的，移送司法机关（本系统解读：调查终结后的撤销立案、违法事实不能成立、终止，"
                 "以及任何移送，均由非本案执法人员的行政机关负责人决定）",
                 "have a leader (行政机关负责人) who is not a handler of the case decide the ending"),
        reading("ending_legal_review", f"{APL}第五十八条",
                 "未经法制审核或者审核未通过的，不得作出决定（第五十八条列明四种情形；本系统解读：调查终结后不予处罚而结束案件"
                 "——撤销立案、违法事实不能成立、终止——须经法制审核通过该结案方式）",
                 "have legal review approve this ending (POST …/legal-review with opinion approve and proposed_ending)"),
        reading("filed_withdrawal_by_leader", f"{APL}第五十四条、第五十七条",
                 "调查终结前撤销立案或者终止（如当事人主体资格已消灭）经行政机关负责人批准（本系统解读：立案由负责人批准，"
                 "撤销立案同样由非本案执法人员的负责人批准；无须法制审核）",
                 "have a leader who is not a handler of the case approve the withdrawal"),
        reading("change_after_decision", f"{APL}第五十七条、第五十八条；{RECONSIDERATION}；{LITIGATION}",
                 "决定作出后的变更、撤销（自行纠错）由行政机关负责人决定并经法制审核；行政复议、行政诉讼的结果"
                 "（维持、变更、撤销、确认违法、责令重作）由负责人据复议机关或者人民法院的文书记录（本系统解读）",
                 "have a leader who is not a handler record the change; a change by the bureau itself needs legal review "
                 "approving it (proposed_change) first; an outcome of reconsideration or litigation names its document"),
        reading("change_never_heavier", f"{APL}第四十四条、第四十五条、第五十七条；{RECONSIDERATION}第六十三条；"
                 f"{LITIGATION}第七十七条",
                 "决定作出后的变更只能减轻或者维持：变更后的罚款不高于变更前，不增加处罚种类，不予行政处罚不得变更为处罚。"
                 "更重的处罚须经作出决定的程序（事先告知、陈述申辩、听证）：本局自行纠错的，撤销原决定后重新作出决定；"
                 "行政复议、行政诉讼的变更结果依《行政复议法》第六十三条、《行政诉讼法》第七十七条记录，"
                 "加重的结果以撤销或者责令重作记录后重新作出决定（本系统解读）",
                 "record a lighter change (fine_amount not above the fine now due, penalty_kinds a subset of those in "
                 "force); for a heavier penalty revoke the decision (or record 责令重作, redo) and decide anew through the "
                 "decision gate, with its notice"),
        reading("revocation_stops_execution", f"{APL}第四十八条第二款",
             "公开的行政处罚决定被依法变更、撤销、确认违法或者确认无效的，行政机关应当在三日内撤回行政处罚决定信息并公开说明理由"
             "（本系统解读：被撤销、确认违法的决定不再送达、不再收缴罚款，加处罚款不再计算）",
             remedy="nothing is left to execute: the decision was revoked or confirmed illegal"),
        reading("follow_up_after_closing", f"{PILOT}三（七）",
                 "免罚规范流程包括适用情形、启动条件、整改措施、评估流程、跟踪管理等内容（据三（七）概括）"),
    )
}

# Measures every compliance rectification plan (合规整改) contains (DESIGN §3); damage compensation is
# added where the facts record ecological damage.
RECTIFICATION_RULE = Rule(
    "rectification_plan_measures", f"{PILOT}三（七）",
    "合规整改措施内容至少包括完成环境违法问题整改、消除环境违法后果影响、建立环境违法预防制度等措施，"
    "违反国家规定造成生态环境损害的，应全面履行生态环境损害赔偿责任",
)

# 第五十九条: the decision states 复议、诉讼的途径和期限. The periods are those of the two laws (the text was
# not in ../shared/domain; it was checked against public reprints, so it is marked unverified).
REMEDIES = (
    Rule("reconsideration_period", f"{RECONSIDERATION}第二十条",
         "公民、法人或者其他组织认为行政行为侵犯其合法权益的，可以自知道或者应当知道该行政行为之日起六十日内提出行政复议申请",
         verified=False),
    Rule("litigation_period", f"{LITIGATION}第四十六条",
         "公民、法人或者其他组织直接向人民法院提起诉讼的，应当自知道或者应当知道作出行政行为之日起六个月内提出",
         verified=False),
)
