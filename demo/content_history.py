"""Last year's campaign and the services of the past months, so the statistics have history.

The 2025 open day's facts (11 September 2025, Chongqing venue in the Zongshen industrial
park, Banan District, theme 向新而行，智检未来, about 200 guests, the exhibition hall, the
airway and whole-vehicle labs, two training bases opened with a university) come from
public reports; attendance splits, enterprises, people and texts are invented.

Session outcomes are people: (checked in, no-shows, walk-ins, cancelled).
"""

from __future__ import annotations

import datetime

from demo.content_site import SERVICE_ADDRESS, SERVICE_LOCATION

PAST_CAMPAIGN = {
    "year": 2025,
    "slug": "open-day-2025",
    "start": datetime.date(2025, 9, 11),
    "end": datetime.date(2025, 9, 30),
    "zh": {
        "theme": "向新而行，智检未来",
        "intro": (
            "<p>2025 年全国检验检测机构开放日于 9 月 11 日启动，重庆是七个分会场之一。"
            "分会场设在巴南区宗申工业园，约 200 位来自整车企业、检验检测机构和高校的嘉宾"
            "参观了展厅、气道实验室和整车实验室，并见证两个校企实训基地揭牌。</p>"
        ),
    },
    "en": {
        "theme": "Towards the new: smart testing for the future",
        "intro": (
            "<p>The 2025 national open day began on 11 September; Chongqing was one of seven "
            "branch venues. At the Zongshen industrial park in Banan District about 200 guests "
            "from car makers, testing institutions and universities visited the exhibition "
            "hall, the airway lab and the whole-vehicle lab, and saw two training bases "
            "run with a university open.</p>"
        ),
    },
}

_PARK = {
    "zh": "重庆市巴南区花溪街道宗申工业园",
    "en": "Zongshen Industrial Park, Huaxi Subdistrict, Banan District",
}

PAST_ACTIVITIES: list[dict] = [
    {
        "slug": "2025-opening-and-exhibition-hall",
        "activity_type": "lab_tour",
        "institution": "banan-smart-vehicle-testing-centre",
        "district": "banan",
        "image": "Demo: open-day campaign",
        # (date, start, end, capacity, largest party, (checked in, no-shows, walk-ins,
        # cancelled))
        "sessions": [(datetime.date(2025, 9, 11), "09:30", "10:30", 200, 2, (168, 14, 22, 6))],
        "zh": {
            "title": "重庆分会场启动与展厅参观",
            "summary": "开放日重庆分会场启动，嘉宾参观宗申工业园展厅，了解汽车产业链的检测需求。",
            "venue": "宗申工业园展厅",
            "address": _PARK["zh"],
            "audience": "整车和零部件企业、检验检测机构、高校师生",
            "description": "<p>启动环节后分组参观展厅，讲解员介绍整车和动力产品的检测历程。</p>",
        },
        "en": {
            "title": "Chongqing venue opening and exhibition hall",
            "summary": (
                "The Chongqing venue of the open day opens; guests tour the exhibition hall of "
                "the Zongshen industrial park and hear what the car industry needs from testing."
            ),
            "venue": "Exhibition hall, Zongshen Industrial Park",
            "address": _PARK["en"],
            "audience": "Vehicle and parts makers, testing institutions, universities",
            "description": (
                "<p>After the opening, groups tour the exhibition hall, where guides explain "
                "how vehicles and powertrains are tested.</p>"
            ),
        },
    },
    {
        "slug": "2025-airway-lab-visit",
        "activity_type": "lab_tour",
        "institution": "zongshen-technical-research-centre",
        "district": "banan",
        "image": "Demo: lab tour",
        "sessions": [
            (datetime.date(2025, 9, 11), "10:45", "11:30", 25, 1, (22, 3, 0, 0)),
            (datetime.date(2025, 9, 11), "14:00", "14:45", 25, 1, (19, 4, 1, 2)),
        ],
        "zh": {
            "title": "走进气道实验室",
            "summary": "工程师演示气缸盖进排气道的流量测试，讲解数据如何帮助优化燃烧。",
            "venue": "宗申技术研究中心 气道实验室",
            "address": _PARK["zh"],
            "audience": "企业工程师、高校师生",
            "description": "<p>每批 25 人，请按工作人员指引参观。</p>",
        },
        "en": {
            "title": "Inside the airway lab",
            "summary": (
                "Engineers demonstrate flow tests of cylinder-head ports and how the data "
                "helps optimise combustion."
            ),
            "venue": "Airway lab, Zongshen Technical Research Centre",
            "address": _PARK["en"],
            "audience": "Engineers from industry, university staff and students",
            "description": "<p>Groups of 25; please follow the staff.</p>",
        },
    },
    {
        "slug": "2025-whole-vehicle-lab-visit",
        "activity_type": "lab_tour",
        "institution": "zongshen-technical-research-centre",
        "district": "banan",
        "image": "Demo: lab tour",
        "sessions": [
            (datetime.date(2025, 9, 11), "10:45", "11:30", 30, 2, (26, 2, 2, 1)),
            (datetime.date(2025, 9, 11), "14:00", "14:45", 30, 2, (23, 5, 0, 0)),
        ],
        "zh": {
            "title": "走进整车实验室",
            "summary": "观看底盘测功机和环境舱中的整车性能试验。",
            "venue": "宗申技术研究中心 整车实验室",
            "address": _PARK["zh"],
            "audience": "整车和零部件企业、高校师生",
            "description": "<p>试验区域有噪声，请佩戴工作人员发放的耳塞。</p>",
        },
        "en": {
            "title": "Inside the whole-vehicle lab",
            "summary": "Watch vehicle performance tests on the chassis dynamometer and in the "
            "climate chamber.",
            "venue": "Whole-vehicle lab, Zongshen Technical Research Centre",
            "address": _PARK["en"],
            "audience": "Vehicle and parts makers, university staff and students",
            "description": "<p>The test area is loud: please wear the earplugs handed out.</p>",
        },
    },
    {
        "slug": "2025-training-bases-opening",
        "activity_type": "matching",
        "institution": "zongshen-testing-training-base",
        "district": "banan",
        "image": "Demo: supply-demand matching",
        "sessions": [(datetime.date(2025, 9, 11), "15:00", "16:30", 60, 2, (47, 6, 3, 2))],
        "zh": {
            "title": "校企实训基地揭牌与人才对接",
            "summary": "两个检验检测实训基地与高校共同揭牌，企业和机构介绍实习与用人需求。",
            "venue": "宗申工业园报告厅",
            "address": _PARK["zh"],
            "audience": "高校师生、检验检测机构和企业的人力资源负责人",
            "description": "<p>揭牌后，机构和企业与学生面对面交流实习岗位。</p>",
        },
        "en": {
            "title": "Training bases with a university: opening and talent matching",
            "summary": (
                "Two testing training bases run with a university open; institutions and "
                "companies present internships and jobs."
            ),
            "venue": "Lecture hall, Zongshen Industrial Park",
            "address": _PARK["en"],
            "audience": "University staff and students, HR staff of institutions and companies",
            "description": "<p>After the opening, students meet institutions and companies.</p>",
        },
    },
    {
        "slug": "2025-baxin-expert-clinic",
        "activity_type": "clinic",
        "institution": "",
        "district": "banan",
        "image": "Demo: expert clinic",
        "sessions": [(datetime.date(2025, 9, 18), "09:00", "12:00", 12, 2, (9, 1, 1, 1))],
        "zh": {
            "title": "“巴心助检”专家问诊（2025）",
            "summary": "专家服务团成员为中小微企业解答检测和认证问题。",
            "venue": f"{SERVICE_LOCATION['zh']} 2 楼专家工作室",
            "address": SERVICE_ADDRESS["zh"],
            "audience": "中小微企业负责人和质量管理人员",
            "description": "<p>按预约顺序问诊，每家企业约 30 分钟。</p>",
        },
        "en": {
            "title": "Baxin expert clinic (2025)",
            "summary": "Members of the expert team answer small businesses' testing and "
            "certification questions.",
            "venue": f"Expert studio, 2F, {SERVICE_LOCATION['en']}",
            "address": SERVICE_ADDRESS["en"],
            "audience": "Owners and quality staff of small and micro enterprises",
            "description": "<p>In order of booking, about 30 minutes per company.</p>",
        },
    },
]

# Enterprises that used the services (besides the "enterprise" account's own), with the
# first 17 characters of an invented credit code (the builder computes the 18th).
PAST_ENTERPRISES: list[dict] = [
    {
        "name": "重庆巴味坊食品加工厂",
        "credit_code_base": "92500113MA60A1B2C",
        "industry": "food",
        "district": "banan",
        "size": "micro",
        "address": "重庆市巴南区李家沱街道马王坪正街 16 号",
        "contact_name": "刘老板",
        "contact_phone": "+8613900000201",
    },
    {
        "name": "重庆渝芯智能终端有限公司",
        "credit_code_base": "91500000MA61C3D4E",
        "industry": "electronics",
        "district": "liangjiang",
        "size": "small",
        "address": "重庆市两江新区金渝大道 120 号",
        "contact_name": "陈工",
        "contact_phone": "+8613900000202",
    },
    {
        "name": "重庆西永精密铸造有限公司",
        "credit_code_base": "91500107MA62E5F6G",
        "industry": "materials",
        "district": "gaoxin",
        "size": "medium",
        "address": "重庆高新区西永街道西科大道 45 号",
        "contact_name": "赵经理",
        "contact_phone": "+8613900000203",
    },
    {
        "name": "重庆界石摩配厂",
        "credit_code_base": "92500113MA63G7H8J",
        "industry": "automotive",
        "district": "banan",
        "size": "micro",
        "address": "重庆市巴南区界石镇桂花村 3 组",
        "contact_name": "黄师傅",
        "contact_phone": "+8613900000204",
    },
]

# Past consultations: (reference, enterprise index (-1: the demo enterprise), expert slug,
# service, days ago (or a date), start, mode, state, topic, need, summary, advice).
PAST_CONSULTATIONS: list[tuple] = [
    (
        "CH250001",
        3,
        "nie-zongfeng",
        "certification",
        datetime.date(2025, 9, 18),
        "09:00",
        "centre",
        "completed",
        "摩托车零部件 CCC 认证咨询",
        "准备给摩托车制动件申请认证，不清楚需要哪些检测和资料。",
        "梳理了认证流程和型式试验项目，核对了企业现有的检测报告。",
        "先补齐工厂质量保证能力文件，再委托有资质的机构做型式试验。",
    ),
    (
        "CH250002",
        0,
        "lin-chunjing",
        "diagnosis",
        datetime.date(2025, 9, 18),
        "10:00",
        "centre",
        "completed",
        "腊肉制品菌落总数偶尔超标",
        "自检时菌落总数偶尔超标，想找出原因。",
        "查看了生产记录和车间布局，判断问题主要在晾晒和包装环节的交叉污染。",
        "分开生熟区域，包装间每日消毒并记录，连续三批送检复核。",
    ),
    (
        "CH250003",
        -1,
        "lin-chunjing",
        "certification",
        200,
        "09:00",
        "centre",
        "completed",
        "汽车座椅调角器认证准备",
        "新产品要进入整车厂供应链，需要准备认证和送检资料。",
        "对照整车厂的要求和国家标准，逐项确认了送检样品和技术文件。",
        "先做一轮预测试，关注耐久项目；技术文件按标准条款编号整理。",
    ),
    (
        "CH250004",
        1,
        "chen-xiaolan",
        "consulting",
        150,
        "14:00",
        "online",
        "completed",
        "智能手表无线射频测试要求",
        "出口前需要确认蓝牙和蜂窝模块要做哪些射频测试。",
        "在线讲解了射频测试项目和常见不合格原因，推荐了预扫方法。",
        "送检前做一次传导和辐射预扫，保留天线匹配的调试记录。",
    ),
    (
        "CH250005",
        2,
        "liu-zihang",
        "diagnosis",
        90,
        "09:00",
        "enterprise",
        "completed",
        "铸件断裂原因分析",
        "一批铝合金铸件在客户装配时断裂，想查明原因。",
        "到企业现场查看断口并取样，分析显示断口处有缩松缺陷。",
        "调整浇注温度和冒口设计，对关键部位增加 X 射线探伤抽检。",
    ),
    (
        "CH250006",
        0,
        "wang-lixin",
        "certification",
        60,
        "14:00",
        "enterprise",
        "completed",
        "食品小作坊登记与出厂检验",
        "想了解小作坊登记条件和出厂检验怎么做。",
        "现场检查了作坊条件，讲解了登记材料和出厂检验项目。",
        "配备必要的检验设备，建立原料进货和出厂检验台账。",
    ),
    (
        "CH250007",
        -1,
        "nie-zongfeng",
        "consulting",
        30,
        "10:00",
        "centre",
        "completed",
        "检测报告读不懂：硬度数据怎么看",
        "供应商提供的检测报告中硬度数据与图纸要求对不上。",
        "解释了不同硬度标尺的换算和适用范围，确认报告数据符合图纸。",
        "在采购合同中写明硬度标尺和检测方法，避免再次产生分歧。",
    ),
    (
        "CH250008",
        3,
        "lin-chunjing",
        "diagnosis",
        21,
        "09:00",
        "centre",
        "no_show",
        "制动盘磨损异常",
        "客户反映制动盘磨损快。",
        "",
        "",
    ),
]

# Past lab visits: (lab name, days ago, start, end, capacity, [(enterprise index, group
# size, came)]), at the institutions' own labs; -1 is the demo enterprise.
PAST_LAB_VISITS: list[tuple] = [
    ("整车实验室", 120, "14:00", "16:00", 20, [(-1, 5, True), (3, 3, True), (0, 2, False)]),
    ("发动机气道实验室", 75, "09:30", "11:30", 12, [(3, 4, True), (-1, 3, True)]),
    ("材料力学性能实验室", 45, "14:00", "16:00", 20, [(2, 6, True), (1, 2, False)]),
    ("理化分析实验室", 20, "09:30", "11:30", 15, [(0, 3, True)]),
]

# The latest regional figures staff enter in Settings → Plan targets, from public sources:
# 689 CMA-accredited institutions at the end of 2022 (the plan's baseline) and 20 national
# quality inspection centres in 2024 (the 2025 open-day report).
PLAN_FIGURES = {
    "institutions_regional": 689,
    "institutions_regional_as_of": datetime.date(2022, 12, 31),
    "centres_regional": 20,
    "centres_regional_as_of": datetime.date(2024, 12, 31),
}
