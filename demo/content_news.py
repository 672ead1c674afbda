"""News articles for the demo site, in simplified Chinese and English.

The facts (dates, places, themes, names and figures) come from public reports on the
national open days and on Chongqing's testing and inspection sector; the wording is ours.
Bodies are lists of (block type, value) pairs for ``cms.blocks.BaseStreamBlock``.
"""

from __future__ import annotations

import datetime

from demo.pages import table

SOURCE_ZH = "巴南区市场监督管理局"
SOURCE_EN = "Banan District Administration for Market Regulation"


def _h(text: str, size: str = "h2") -> tuple[str, dict]:
    return ("heading", {"text": text, "size": size})


def _p(html: str) -> tuple[str, str]:
    return ("paragraph", html)


def _q(text: str, by: str = "") -> tuple[str, dict]:
    return ("quote", {"text": text, "attribute_name": by})


def _t(rows: list[list[str]], caption: str = "") -> tuple[str, dict]:
    return ("table", table(rows, caption))


ARCHIVE: list[dict] = [
    {
        "slug": "2025-open-day-chongqing-venue",
        "date": datetime.date(2025, 9, 11),
        "image": "Demo: open-day campaign",
        "zh": {
            "title": "2025年全国检验检测机构开放日重庆分会场活动在巴南举行",
            "author": "区市场监管局综合科",
            "summary": (
                "9月11日，2025年全国检验检测机构开放日启动。重庆是全国七个分会场之一，"
                "分会场设在巴南区宗申工业园，来自整车企业、检验检测机构和高校的约200位嘉宾参加。"
            ),
            "tags": ["开放日", "巴南", "汽车检测"],
            "body": [
                _p(
                    "<p>今年开放日以“向新而行，智检未来”为主题。全国共设七个分会场，"
                    "重庆分会场放在巴南区宗申工业园，活动内容紧扣汽车产业链对检验检测的需求，"
                    "安排了实验室参观、交流发言和校企合作揭牌等环节。</p>"
                ),
                _q("向新而行，智检未来", "2025年全国检验检测机构开放日主题"),
                _h("把嘉宾请进实验室"),
                _p(
                    "<p>嘉宾们依次参观了宗申产业集团展览馆，以及技术研究中心的气道实验室和整车实验室。"
                    "工程师在现场讲解发动机进气测试和整车性能试验怎样开展，"
                    "让大家看到一份检测数据是如何帮助企业改进设计、稳定质量的。</p>"
                ),
                _h("谁参加了活动"),
                _p(
                    "<p>到场的既有长安、赛力斯等新能源汽车整车企业的代表，"
                    "也有本地检验检测机构、高校师生和关心质量工作的各界人士，共约200人。</p>"
                ),
                _h("接下来做什么"),
                _p(
                    "<p>市市场监管局在会上介绍，下一步将推动检验检测与制造业进一步融合，"
                    "优先补强人工智能、物联网、新型储能等新兴领域的检测能力，"
                    "建设“渝智检”检验检测在线平台，鼓励机构发展智能化的“黑灯实验室”和行业数据库，"
                    "同时培育本地检测认证品牌，拓展国际互认渠道。</p>"
                ),
            ],
        },
        "en": {
            "title": "Chongqing branch venue of the 2025 national open day held in Banan",
            "author": "General Office, Banan AMR",
            "summary": (
                "The 2025 national open day of testing and inspection institutions began on "
                "11 September. Chongqing was one of seven branch venues: about 200 guests from "
                "car makers, laboratories and universities met at the Zongshen industrial park "
                "in Banan District."
            ),
            "tags": ["open day", "Banan", "automotive testing"],
            "body": [
                _p(
                    "<p>This year's theme was <em>Moving towards the new, smart testing for the "
                    "future</em>. Of the seven branch venues across the country, Chongqing's was "
                    "hosted at the Zongshen industrial park in Banan District, with a programme "
                    "built around what the automotive supply chain needs from testing: lab "
                    "visits, short talks and the opening of two university training bases.</p>"
                ),
                _q(
                    "Moving towards the new, smart testing for the future.",
                    "Theme of the 2025 national open day",
                ),
                _h("Guests inside the labs"),
                _p(
                    "<p>Guests toured the Zongshen group's exhibition hall and two labs of its "
                    "technology research centre: the airway lab, where engine intake performance "
                    "is measured, and the whole-vehicle lab. Engineers explained how the tests "
                    "are run and how the data feed back into design and production quality.</p>"
                ),
                _h("Who took part"),
                _p(
                    "<p>Around 200 people attended, among them representatives of new-energy "
                    "vehicle makers such as Changan and Seres, local testing institutions, "
                    "universities and members of the public.</p>"
                ),
                _h("What comes next"),
                _p(
                    "<p>The municipal market regulator said it will bring testing closer to "
                    "manufacturing, build up capacity in artificial intelligence, the internet of "
                    "things and new energy storage, develop the online testing platform "
                    "<em>Yu Zhi Jian</em>, support highly automated labs and sector databases, "
                    "and help local testing and certification brands gain international "
                    "recognition.</p>"
                ),
            ],
        },
    },
    {
        "slug": "university-training-bases",
        "date": datetime.date(2025, 9, 11),
        "image": "Demo: lab tour",
        "zh": {
            "title": "两个校企共建的检验检测实训基地揭牌",
            "author": "区市场监管局综合科",
            "summary": (
                "开放日重庆分会场上，宗申产业集团、美利信科技分别与重庆理工大学共建的"
                "检验检测实训基地揭牌，校企将围绕动力工程和智能网联汽车测试开展合作。"
            ),
            "tags": ["开放日", "校企合作", "人才培养"],
            "body": [
                _p(
                    "<p>在今年开放日重庆分会场上，两个检验检测实训基地同时揭牌。"
                    "基地由企业提供真实的生产和试验场景，高校提供师资和科研力量，"
                    "学生可以在企业实验室里完成实训，企业遇到的技术难题也能更快找到合作伙伴。</p>"
                ),
                _t(
                    [
                        ["实训基地", "企业方", "高校方"],
                        [
                            "宗申产业集团·重庆理工大学检验检测实训基地",
                            "宗申产业集团",
                            "重庆理工大学",
                        ],
                        ["美利信科技·重庆理工大学检验检测实训基地", "美利信科技", "重庆理工大学"],
                    ],
                    "2025年开放日揭牌的实训基地",
                ),
                _h("高校的长处与企业的需求"),
                _p(
                    "<p>重庆理工大学在能源与动力工程、智能网联汽车测试与计量等方向积累较深，"
                    "两家企业则有大量来自生产一线的检测任务。双方约定的合作方式可以概括为："
                    "政府牵线搭台，企业提出实际问题，高校组织力量攻关。</p>"
                ),
                _p(
                    "<p>基地建成后，将重点服务两件事：一是让检测需求和检测能力精准对接，"
                    "二是围绕关键共性技术开展联合攻关。</p>"
                ),
            ],
        },
        "en": {
            "title": "Two university–industry training bases for testing open",
            "author": "General Office, Banan AMR",
            "summary": (
                "At the Chongqing venue of the open day, the Zongshen group and Millison "
                "Technology each opened a testing training base with Chongqing University of "
                "Technology, focused on power engineering and connected-vehicle testing."
            ),
            "tags": ["open day", "university partnership", "skills"],
            "body": [
                _p(
                    "<p>Two training bases for testing and inspection were opened at this year's "
                    "Chongqing open-day venue. The companies provide real production and test "
                    "settings, the university provides teachers and research capacity: students "
                    "train in working labs, and companies find partners for their technical "
                    "problems more quickly.</p>"
                ),
                _t(
                    [
                        ["Training base", "Company", "University"],
                        [
                            "Zongshen Group · CQUT testing training base",
                            "Zongshen Industrial Group",
                            "Chongqing University of Technology",
                        ],
                        [
                            "Millison Technology · CQUT testing training base",
                            "Millison Technology",
                            "Chongqing University of Technology",
                        ],
                    ],
                    "Training bases opened at the 2025 open day",
                ),
                _h("What each side brings"),
                _p(
                    "<p>The university is strong in energy and power engineering and in testing "
                    "and metrology for intelligent connected vehicles; the two companies have a "
                    "steady stream of test work from their production lines. The agreed way of "
                    "working: the government brings the parties together, companies set the "
                    "problems and the university organises the research to solve them.</p>"
                ),
                _p(
                    "<p>The bases serve two aims: matching testing demand with the right "
                    "capability, and joint work on key shared technologies.</p>"
                ),
            ],
        },
    },
    {
        "slug": "quality-hub-and-baxin-expert-team",
        "date": datetime.date(2025, 9, 12),
        "image": "Demo: expert clinic",
        "zh": {
            "title": "“巴实智联质量港”启动建设 “巴心助检”专家服务团成立",
            "author": "区市场监管局质量发展科",
            "summary": (
                "巴南区启动质量基础设施“一站式”服务平台“巴实智联质量港”建设，"
                "并组建“巴心助检”专家服务团，为企业免费提供技术咨询、质量诊断和认证支持。"
            ),
            "tags": ["巴心助检", "质量基础设施", "专家服务"],
            "body": [
                _p(
                    "<p>企业办检测、做认证、查标准，过去往往要跑好几个地方。"
                    "巴南区此次启动建设的“巴实智联质量港”，把计量、标准、认证认可和检验检测"
                    "等质量基础设施服务集中到一个入口，本平台就是它的线上窗口。</p>"
                ),
                _h("专家服务团能做什么"),
                _p(
                    "<p>同日成立的“巴心助检”专家服务团，聘请了聂宗凤、林春景等多位专家教授，"
                    "以公益方式为区内企业提供三类服务。</p>"
                ),
                _t(
                    [
                        ["服务", "适合的问题", "方式"],
                        [
                            "技术咨询",
                            "检测项目怎么选、标准怎么读、送检前要准备什么",
                            "线上或到企业",
                        ],
                        [
                            "质量诊断",
                            "产品一致性差、客户投诉多、抽检不合格后如何整改",
                            "到企业现场",
                        ],
                        ["认证支持", "第一次申请体系或产品认证、证书到期复审", "线上或到企业"],
                    ],
                    "“巴心助检”专家服务团的三类服务",
                ),
                _h("怎样预约"),
                _p(
                    "<p>企业可以在本平台的“专家服务团”栏目按领域和服务类型查找专家，"
                    "选择可预约时段并简要描述问题。服务不收取任何费用。</p>"
                ),
                _q("把专家请到车间，把问题解决在一线。", "“巴心助检”专家服务团"),
            ],
        },
        "en": {
            "title": "Banan starts its quality hub and launches the Baxin volunteer expert team",
            "author": "Quality Development Section, Banan AMR",
            "summary": (
                "Banan District began building Bashi Zhilian Quality Harbour, a one-stop "
                "service for quality infrastructure, and formed the Baxin volunteer expert team, "
                "which offers enterprises free technical consulting, quality diagnosis and "
                "certification support."
            ),
            "tags": ["Baxin expert team", "quality infrastructure", "expert services"],
            "body": [
                _p(
                    "<p>Arranging a test, getting certified or looking up a standard used to mean "
                    "visiting several offices. The Bashi Zhilian Quality Harbour that Banan "
                    "District has started to build brings metrology, standards, accreditation "
                    "and testing services together behind one entrance; this portal is its "
                    "online front door.</p>"
                ),
                _h("What the expert team offers"),
                _p(
                    "<p>The Baxin volunteer expert team, formed on the same day, brings together "
                    "experts and professors such as Nie Zongfeng and Lin Chunjing. They offer "
                    "enterprises in the district three services, free of charge.</p>"
                ),
                _t(
                    [
                        ["Service", "Typical questions", "How"],
                        [
                            "Technical consulting",
                            "Which tests to order, how to read a standard, preparing samples",
                            "Online or on site",
                        ],
                        [
                            "Quality diagnosis",
                            "Inconsistent products, complaints, fixing a failed spot check",
                            "On site",
                        ],
                        [
                            "Certification support",
                            "A first system or product certification, renewals",
                            "Online or on site",
                        ],
                    ],
                    "The three services of the Baxin volunteer expert team",
                ),
                _h("How to book"),
                _p(
                    "<p>Enterprises can find experts by field and service in the expert team "
                    "section of this portal, pick an available slot and describe their question "
                    "briefly. There is no charge.</p>"
                ),
                _q(
                    "Bring the experts to the workshop and solve problems where they arise.",
                    "Baxin volunteer expert team",
                ),
            ],
        },
    },
    {
        "slug": "chongqing-testing-in-figures-2024",
        "date": datetime.date(2025, 9, 12),
        "image": "Demo: sector figures",
        "zh": {
            "title": "数说2024年重庆检验检测：全链规模近600亿元",
            "author": "区市场监管局综合科",
            "summary": (
                "2024年重庆检验检测产业全链总规模达到597.63亿元，"
                "全市CMA机构对外出具检验检测报告808.2万份，国家质检中心达到20个。"
            ),
            "tags": ["行业数据", "重庆"],
            "body": [
                _p(
                    "<p>在2025年开放日重庆分会场上，市市场监管局通报了全市检验检测行业"
                    "2024年的主要数据。整体来看，产业规模继续扩大，集聚效应明显，"
                    "服务企业和群众的能力也在提高。</p>"
                ),
                _t(
                    [
                        ["指标", "2024年"],
                        ["检验检测产业全链总规模", "597.63亿元"],
                        ["国家质检中心", "20个"],
                        ["全国重点实验室", "11个"],
                        ["市级重点实验室", "221个"],
                        ["市级质检中心批筹转化", "9个"],
                        ["CMA机构对外出具报告", "808.2万份"],
                        ["有效认证证书", "7.5万张"],
                        ["检验检测认证机构国际互认占比", "7.4%"],
                    ],
                    "重庆检验检测行业主要数据（2024年）",
                ),
                _h("集聚区贡献过半营收"),
                _p(
                    "<p>全市的国家检验检测高技术服务业集聚区和国家检验检测认证公共服务平台示范区内，"
                    "CMA机构的年营收合计占全市的57.6%。</p>"
                ),
            ],
        },
        "en": {
            "title": "Chongqing's testing sector in figures, 2024",
            "author": "General Office, Banan AMR",
            "summary": (
                "In 2024 Chongqing's testing and inspection chain reached 59.763 billion yuan; "
                "CMA-accredited institutions issued 8.082 million reports and the city now has "
                "20 national quality inspection centres."
            ),
            "tags": ["sector data", "Chongqing"],
            "body": [
                _p(
                    "<p>At the 2025 open-day venue in Chongqing, the municipal market regulator "
                    "presented the sector's key figures for 2024: the industry keeps growing, "
                    "clusters are paying off, and services for enterprises and residents are "
                    "improving.</p>"
                ),
                _t(
                    [
                        ["Indicator", "2024"],
                        ["Size of the whole testing chain", "59.763 billion yuan"],
                        ["National quality inspection centres", "20"],
                        ["National key laboratories", "11"],
                        ["Municipal key laboratories", "221"],
                        ["Municipal inspection centres approved and converted", "9"],
                        ["Reports issued by CMA-accredited institutions", "8.082 million"],
                        ["Valid certification certificates", "75,000"],
                        ["Share of bodies with international mutual recognition", "7.4%"],
                    ],
                    "Key figures of Chongqing's testing and inspection sector (2024)",
                ),
                _h("Clusters earn more than half of the revenue"),
                _p(
                    "<p>CMA-accredited institutions in the city's national high-tech testing "
                    "cluster and its national public-service demonstration zone together earned "
                    "57.6% of the city's testing revenue.</p>"
                ),
            ],
        },
    },
    {
        "slug": "2024-open-day-wuhan",
        "date": datetime.date(2024, 9, 19),
        "image": "Demo: news",
        "zh": {
            "title": "2024年全国检验检测机构开放日在武汉启动",
            "author": "区市场监管局综合科",
            "summary": (
                "9月19日，2024年全国检验检测机构开放日启动仪式在武汉举行，"
                "主题为“检验检测赋能新质生产力”。整个9月，各地检验检测机构集中向社会开放。"
            ),
            "tags": ["开放日", "新质生产力"],
            "body": [
                _p(
                    "<p>2024年开放日由市场监管总局和湖北省人民政府共同主办，"
                    "启动仪式设在武汉的华中科技大学，主题是“检验检测赋能新质生产力”。</p>"
                ),
                _q("检验检测赋能新质生产力", "2024年全国检验检测机构开放日主题"),
                _h("启动仪式上的三件事"),
                _p(
                    "<ul><li>面向从业人员的线上学习平台“检验检测云课堂”正式上线；</li>"
                    "<li>中国消费者协会提醒消费者理性看待室内空气治理和检测服务；</li>"
                    "<li>湖北介绍了检验检测协同创新与资源共享平台的运行方式。</li></ul>"
                ),
                _h("九月开放月"),
                _p(
                    "<p>按照活动安排，各地市场监管部门在9月组织检验检测机构向社会开放，"
                    "邀请企业、高校、科研院所和社区居民走进实验室。"
                    "活动形式包括供需对接、关键技术协同攻关、专家问诊、便民检测和发布消费提示。</p>"
                ),
                _p(
                    "<p>当年，市场监管总局还围绕低空经济、人工智能、机器人等领域，"
                    "组织了20项检验检测关键共性技术和仪器设备的协同攻关。</p>"
                ),
            ],
        },
        "en": {
            "title": "2024 national open day of testing institutions launched in Wuhan",
            "author": "General Office, Banan AMR",
            "summary": (
                "The 2024 national open day was launched in Wuhan on 19 September under the "
                "theme Testing and inspection powering new quality productive forces; "
                "institutions across the country opened their doors throughout September."
            ),
            "tags": ["open day", "new quality productive forces"],
            "body": [
                _p(
                    "<p>The 2024 open day was organised by the State Administration for Market "
                    "Regulation together with the Hubei provincial government. The launch took "
                    "place at Huazhong University of Science and Technology in Wuhan.</p>"
                ),
                _q(
                    "Testing and inspection powering new quality productive forces.",
                    "Theme of the 2024 national open day",
                ),
                _h("Three announcements at the launch"),
                _p(
                    "<ul><li>An online learning platform for the profession, the testing "
                    "<em>cloud classroom</em>, went live;</li>"
                    "<li>the China Consumers Association issued advice on indoor air treatment "
                    "and air testing services;</li>"
                    "<li>Hubei presented how its platform for shared testing resources and "
                    "joint innovation works.</li></ul>"
                ),
                _h("A month of open labs"),
                _p(
                    "<p>Throughout September, market regulators everywhere arranged for "
                    "institutions to open to enterprises, universities, research institutes and "
                    "residents, with supply-demand matching, joint work on key technologies, "
                    "expert clinics, convenience testing for residents and consumer advice.</p>"
                ),
                _p(
                    "<p>In the same year the national regulator organised joint work on 20 key "
                    "testing technologies and instruments in fields such as the low-altitude "
                    "economy, artificial intelligence and robotics.</p>"
                ),
            ],
        },
    },
    {
        "slug": "chongqing-plan-2023-2027",
        "date": datetime.date(2024, 1, 23),
        "image": "Demo: news",
        "zh": {
            "title": "重庆印发检验检测服务业发展规划（2023—2027年）",
            "author": "区市场监管局综合科",
            "summary": (
                "市政府办公厅印发《重庆市检验检测服务业发展规划（2023—2027年）》"
                "（渝府办发〔2023〕98号），提出到2027年基本建成千亿级检验检测服务业集群、"
                "CMA机构达到800家。"
            ),
            "tags": ["政策解读", "发展规划", "重庆"],
            "body": [
                _p(
                    "<p>这份规划于2023年12月印发，是重庆推动检验检测服务业高质量发展的路线图。"
                    "下面梳理几个和企业、机构关系最密切的目标。</p>"
                ),
                _h("到2027年的主要目标"),
                _t(
                    [
                        ["目标", "到2027年"],
                        ["检验检测服务业全产业链规模", "千亿级"],
                        ["上游（装备研发制造等）年产值", "250亿元"],
                        ["中游（检验检测服务）年营收", "700亿元"],
                        ["下游年营收", "150亿元"],
                        ["CMA资质认定机构", "800家"],
                        ["新培育全国知名检验检测品牌", "3个"],
                    ],
                    "规划提出的总体目标",
                ),
                _h("分领域营收目标（部分）"),
                _t(
                    [
                        ["领域", "年营收目标"],
                        ["汽车（摩托车）", "150亿元"],
                        ["先进材料", "35亿元"],
                        ["生态环境", "22亿元"],
                        ["电子信息", "15亿元"],
                        ["智能装备", "10亿元"],
                        ["资源能源", "10亿元"],
                        ["食品安全", "8.5亿元"],
                        ["计量检定、校准、测试", "6.3亿元"],
                    ]
                ),
                _h("空间布局：“两区五群多基地”"),
                _p(
                    "<p>规划提出以国家检验检测认证公共服务平台示范区和国家检验检测高技术服务业集聚区"
                    "为“两区”，培育装备研发制造、中心城区、渝西地区、生态三峡、绿色武陵"
                    "五个市级检验检测产业集群，并在各区县建设一批特色基地。</p>"
                ),
                _h("与本平台有关的举措"),
                _p(
                    "<p>规划鼓励检验检测机构向社会开放实验室、共享大型仪器设备，"
                    "推行“一站式”服务，并建设统一的监管和服务平台、完善行业统计。"
                    "本平台的开放日报名、实验室参观预约和专家服务，正是这些举措在巴南的落地。</p>"
                ),
            ],
        },
        "en": {
            "title": "Chongqing publishes its plan for the testing sector, 2023–2027",
            "author": "General Office, Banan AMR",
            "summary": (
                "The municipal government's plan for the testing and inspection service "
                "industry 2023–2027 (Yu Fu Ban Fa [2023] No. 98) aims for a sector worth about "
                "100 billion yuan and 800 CMA-accredited institutions by 2027."
            ),
            "tags": ["policy", "development plan", "Chongqing"],
            "body": [
                _p(
                    "<p>Issued in December 2023, the plan is Chongqing's road map for the testing "
                    "and inspection service industry. Here are the targets that matter most to "
                    "enterprises and institutions.</p>"
                ),
                _h("Main targets for 2027"),
                _t(
                    [
                        ["Target", "By 2027"],
                        ["Size of the whole testing chain", "about 100 billion yuan"],
                        ["Upstream output (equipment and instruments)", "25 billion yuan"],
                        ["Midstream revenue (testing services)", "70 billion yuan"],
                        ["Downstream revenue", "15 billion yuan"],
                        ["CMA-accredited institutions", "800"],
                        ["New nationally known testing brands", "3"],
                    ],
                    "Overall targets of the plan",
                ),
                _h("Revenue targets by field (selection)"),
                _t(
                    [
                        ["Field", "Annual revenue target"],
                        ["Automotive and motorcycles", "15 billion yuan"],
                        ["Advanced materials", "3.5 billion yuan"],
                        ["Ecology and environment", "2.2 billion yuan"],
                        ["Electronics and information", "1.5 billion yuan"],
                        ["Intelligent equipment", "1 billion yuan"],
                        ["Resources and energy", "1 billion yuan"],
                        ["Food safety", "850 million yuan"],
                        ["Metrology: verification, calibration, testing", "630 million yuan"],
                    ]
                ),
                _h("Two zones, five clusters, many bases"),
                _p(
                    "<p>The plan builds on two national zones (the public-service demonstration "
                    "zone and the high-tech testing cluster) and five municipal clusters: "
                    "equipment and instruments, the central city, western Chongqing, the Three "
                    "Gorges and the Wuling mountains, complemented by specialised bases in the "
                    "districts.</p>"
                ),
                _h("What it means for this portal"),
                _p(
                    "<p>The plan asks institutions to open their labs to the public, share large "
                    "instruments, offer one-stop services and report to a unified supervision and "
                    "service platform. Open-day registration, lab visits and the expert team on "
                    "this portal put these measures into practice in Banan.</p>"
                ),
            ],
        },
    },
    {
        "slug": "liangjiang-testing-2017",
        "date": datetime.date(2018, 5, 22),
        "image": "Demo: institution",
        "zh": {
            "title": "两江新区资质认定检验检测机构达到40家",
            "author": "区市场监管局综合科",
            "summary": (
                "两江新区直管区资质认定机构已达40家，2017年共出具检验检测报告420.34万份，"
                "检测技术收入23.45亿元，约占全市总量的四成。"
            ),
            "tags": ["两江新区", "行业数据"],
            "body": [
                _p(
                    "<p>两江新区是重庆检验检测机构最集中的区域之一。"
                    "据新区市场监管部门介绍，直管区内通过资质认定的机构已有40家。</p>"
                ),
                _t(
                    [
                        ["指标", "2017年"],
                        ["资质认定机构（直管区）", "40家"],
                        ["出具检验检测报告", "420.34万份"],
                        ["检测技术收入", "23.45亿元"],
                        ["占全市比重", "约40%"],
                    ],
                    "两江新区检验检测行业概况",
                ),
                _h("“一区四基地”"),
                _p(
                    "<p>新区在“国家公共检验检测服务平台示范区”的框架下，"
                    "布局了金泰产业园、良景产业园、水土工业园和照母山科技创新城四个产业基地，"
                    "按机构类型和规模分别承接。2015年1月，两江新区获批创建该示范区，"
                    "是全国第四个获批的地区。</p>"
                ),
                _p(
                    "<p>新区还联合重庆理工大学、区内检测认证机构、设备供应商和获证企业"
                    "成立了检测认证产学研发展联盟。</p>"
                ),
            ],
        },
        "en": {
            "title": "Liangjiang New Area reaches 40 accredited testing institutions",
            "author": "General Office, Banan AMR",
            "summary": (
                "The directly administered part of Liangjiang New Area has 40 accredited "
                "institutions; in 2017 they issued 4.2034 million reports and earned 2.345 "
                "billion yuan, about 40% of the city's total."
            ),
            "tags": ["Liangjiang New Area", "sector data"],
            "body": [
                _p(
                    "<p>Liangjiang New Area is one of the places where Chongqing's testing "
                    "institutions are most concentrated: according to the area's market "
                    "regulator, 40 accredited institutions now operate there.</p>"
                ),
                _t(
                    [
                        ["Indicator", "2017"],
                        ["Accredited institutions (directly administered area)", "40"],
                        ["Reports issued", "4.2034 million"],
                        ["Testing revenue", "2.345 billion yuan"],
                        ["Share of the city total", "about 40%"],
                    ],
                    "Testing and inspection in Liangjiang New Area",
                ),
                _h("One zone, four bases"),
                _p(
                    "<p>Within its national demonstration zone for public testing services, the "
                    "area set up four bases (Jintai, Liangjing, Shuitu and Zhaomushan) for "
                    "institutions of different kinds and sizes. Liangjiang was approved to build "
                    "the zone in January 2015, the fourth area in the country to be so.</p>"
                ),
                _p(
                    "<p>The area also formed an alliance of industry, academia and research with "
                    "Chongqing University of Technology, local institutions, instrument suppliers "
                    "and certified enterprises.</p>"
                ),
            ],
        },
    },
    {
        "slug": "national-sector-and-excellent-cases",
        "date": datetime.date(2023, 2, 27),
        "image": "Demo: sector figures",
        "zh": {
            "title": "全国检验检测机构超过5.5万家 49个优秀案例发布",
            "author": "区市场监管局综合科",
            "summary": (
                "我国检验检测机构已超过5.5万家，服务产值超过4000亿元。"
                "市场监管总局征集遴选出49个“检验检测促进经济社会创新发展”优秀案例。"
            ),
            "tags": ["行业数据", "优秀案例", "小微企业"],
            "body": [
                _p(
                    "<p>检验检测是国家质量基础设施的组成部分。"
                    "目前全国检验检测机构数量已突破5.5万家，服务产值超过4000亿元；"
                    "各类认证证书累计颁发336.6万张，涉及93.9万家企业和组织。</p>"
                ),
                _h("49个优秀案例"),
                _p(
                    "<p>2022年，市场监管总局在全国征集检验检测促进经济社会创新发展的优秀案例，"
                    "经申报、审核和专家评审，最终选出49个，领域涵盖食品安全、疫苗质量、"
                    "矿产资源、基础软硬件检测平台、辅助器具、消防产品、水生态环境、"
                    "医学检测和数字化检测技术等。</p>"
                ),
                _h("帮小微企业补上质量管理短板"),
                _t(
                    [
                        ["小微企业质量管理体系认证提升行动", "数量"],
                        ["各地出台的激励政策", "545项"],
                        ["参与的认证机构", "352家"],
                        ["接受免费培训的企业", "21万家"],
                        ["精准帮扶的小微企业", "2万余家（37个行业）"],
                    ]
                ),
            ],
        },
        "en": {
            "title": "Over 55,000 testing institutions nationwide; 49 excellent cases published",
            "author": "General Office, Banan AMR",
            "summary": (
                "China now has more than 55,000 testing and inspection institutions with an "
                "output above 400 billion yuan. The national regulator selected 49 excellent "
                "cases of testing that drives innovation."
            ),
            "tags": ["sector data", "excellent cases", "small enterprises"],
            "body": [
                _p(
                    "<p>Testing and inspection is part of the national quality infrastructure. "
                    "The country has passed 55,000 institutions with an output above 400 "
                    "billion yuan, and 3.366 million certificates have been issued to 939,000 "
                    "enterprises and organisations.</p>"
                ),
                _h("49 excellent cases"),
                _p(
                    "<p>In 2022 the national regulator called for cases in which testing helped "
                    "innovation. After applications, reviews and expert assessment, 49 were "
                    "chosen, covering food safety, vaccines, mineral resources, platforms for "
                    "basic software and hardware, assistive devices, fire products, water "
                    "ecology, medical testing and digital testing methods.</p>"
                ),
                _h("Helping small enterprises with quality management"),
                _t(
                    [
                        ["Quality management certification campaign for small firms", "Number"],
                        ["Local incentive policies", "545"],
                        ["Certification bodies taking part", "352"],
                        ["Enterprises trained free of charge", "210,000"],
                        ["Small enterprises given tailored help", "over 20,000 (37 sectors)"],
                    ]
                ),
            ],
        },
    },
]


def campaign_article(
    *,
    year: int,
    theme_zh: str,
    theme_en: str,
    date: datetime.date,
    activity_count: int,
    institution_count: int,
    district_count: int,
) -> dict:
    """The announcement of this year's campaign, built from the campaign's own numbers."""
    return {
        "slug": f"open-day-{year}-registration-open",
        "date": date,
        "image": "Demo: open-day campaign",
        "zh": {
            "title": f"{year}年检验检测机构开放日活动开始报名",
            "author": "区市场监管局质量发展科",
            "summary": (
                f"{year}年检验检测机构开放日以“{theme_zh}”为主题，"
                f"{institution_count}家机构在{district_count}个区推出{activity_count}项活动，"
                "市民和企业可在本平台免费报名。"
            ),
            "tags": ["开放日", str(year), "报名"],
            "body": [
                _p(
                    f"<p>今年的检验检测机构开放日以“{theme_zh}”为主题。"
                    f"{institution_count}家检验检测机构在{district_count}个区安排了"
                    f"{activity_count}项活动，包括实验室参观、供需对接、专家问诊、便民检测、"
                    "消费提示和科普讲座。所有活动免费，名额有限，先到先得。</p>"
                ),
                _q(theme_zh, f"{year}年开放日主题"),
                _h("怎样报名"),
                _p(
                    "<ol><li>在“开放日”栏目按日期、区域或活动类型挑选活动；</li>"
                    "<li>选择场次，填写姓名和手机号，可同时为同行人员报名；</li>"
                    "<li>报名成功后保存电子凭证，活动当天凭二维码签到。</li></ol>"
                ),
                _h("温馨提示"),
                _p(
                    "<ul><li>参观实验室请穿平底鞋，部分区域不允许拍照；</li>"
                    "<li>便民检测可自带少量食用油、蜂蜜、茶叶等样品；</li>"
                    "<li>无法到场请提前取消，把名额留给其他人。</li></ul>"
                ),
            ],
        },
        "en": {
            "title": f"Registration opens for the {year} testing & inspection open day",
            "author": "Quality Development Section, Banan AMR",
            "summary": (
                f"Under the theme {theme_en}, {institution_count} institutions in "
                f"{district_count} districts offer {activity_count} open-day activities. "
                "Residents and enterprises can register free of charge on this portal."
            ),
            "tags": ["open day", str(year), "registration"],
            "body": [
                _p(
                    f"<p>This year's testing & inspection open day runs under the theme "
                    f"<em>{theme_en}</em>. {institution_count} institutions in {district_count} "
                    f"districts offer {activity_count} activities: lab tours, supply-demand "
                    "matching, expert clinics, convenience testing for residents, consumer "
                    "advice and lectures. Everything is free; places are limited.</p>"
                ),
                _q(theme_en, f"Theme of the {year} open day"),
                _h("How to register"),
                _p(
                    "<ol><li>Pick an activity in the open-day section by date, district or "
                    "type;</li><li>choose a session and give your name and mobile number; you "
                    "can register companions at the same time;</li><li>keep your e-ticket and "
                    "show its QR code at check-in.</li></ol>"
                ),
                _h("Good to know"),
                _p(
                    "<ul><li>Wear flat shoes for lab tours; photos are not allowed in some "
                    "areas;</li><li>for convenience testing you may bring small samples of "
                    "cooking oil, honey or tea;</li><li>if you cannot come, please cancel so "
                    "that someone else can take your place.</li></ul>"
                ),
            ],
        },
    }
