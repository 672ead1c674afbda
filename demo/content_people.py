"""The Baxin volunteer expert team and the demo accounts.

聂宗凤 and 林春景 are named in public reports as members of the team: they appear with
their name, the team and its services only. Everyone else is invented, with an invented
title, organisation and biography.
"""

from __future__ import annotations

DEMO_PASSWORD = "demo-pass-2026"

# The two real members named in public reports get a neutral entry: their name, the team
# and the services the team offers; no title, organisation, field or biography is invented
# for them.
_TEAM = {"zh": "“巴心助检”专家服务团", "en": "Baxin volunteer expert team"}
_TEAM_MEMBER = {"zh": "“巴心助检”专家服务团成员", "en": "Member of the Baxin volunteer expert team"}


def _team_member(*, slug: str, name: str, name_en: str, services: list[str]) -> dict:
    services_zh = "、".join(SERVICE_NAMES[s]["zh"] for s in services)
    services_en = ", ".join(SERVICE_NAMES[s]["en"] for s in services)
    return {
        "slug": slug,
        "name": name,
        "name_en": name_en,
        "title": _TEAM_MEMBER["zh"],
        "title_en": _TEAM_MEMBER["en"],
        "organisation": _TEAM["zh"],
        "organisation_en": _TEAM["en"],
        "services": services,
        "fields": [],
        "district": "banan",
        "bio": f"{_TEAM_MEMBER['zh']}。为企业提供：{services_zh}。",
        "bio_en": f"{_TEAM_MEMBER['en']}. Offers enterprises: {services_en}.",
    }


SERVICE_NAMES = {
    "consulting": {"zh": "技术咨询", "en": "technical consulting"},
    "diagnosis": {"zh": "质量诊断", "en": "quality diagnosis"},
    "certification": {"zh": "认证支持", "en": "certification support"},
}

EXPERTS: list[dict] = [
    _team_member(
        slug="nie-zongfeng",
        name="聂宗凤",
        name_en="Nie Zongfeng",
        services=["consulting", "diagnosis", "certification"],
    ),
    # The "expert" account logs in as this member; the demo's "certification support for
    # an automotive part" request finds them by the service.
    _team_member(
        slug="lin-chunjing",
        name="林春景",
        name_en="Lin Chunjing",
        services=["consulting", "diagnosis", "certification"],
    ),
    {
        "slug": "wang-lixin",
        "name": "王立新",
        "name_en": "Wang Lixin",
        "title": "高级工程师",
        "title_en": "Senior engineer",
        "organisation": "重庆渝南食品与农产品检验所",
        "organisation_en": "Chongqing Yunan Food and Agricultural Products Testing Institute",
        "services": ["diagnosis", "certification"],
        "fields": ["food"],
        "district": "banan",
        "bio": (
            "食品安全检验和食品生产许可审查经验丰富，帮助小作坊和食品企业"
            "建立原料验收、过程控制和出厂检验制度。"
        ),
        "bio_en": (
            "Experienced in food-safety testing and food production licence reviews; helps "
            "small workshops and food companies set up incoming, process and release checks."
        ),
    },
    {
        "slug": "chen-xiaolan",
        "name": "陈晓岚",
        "name_en": "Chen Xiaolan",
        "title": "高级工程师",
        "title_en": "Senior engineer",
        "organisation": "两江新区电子信息产品检测院",
        "organisation_en": "Liangjiang Electronic Information Products Testing Institute",
        "services": ["consulting", "certification"],
        "fields": ["electronics", "consumer"],
        "district": "yubei",
        "zone": "liangjiang",
        "bio": (
            "专注电磁兼容和产品安全测试，熟悉 CCC 认证流程，可为电子产品企业提供送检前的整改建议。"
        ),
        "bio_en": (
            "Focuses on EMC and product safety; knows the CCC certification process well and "
            "advises electronics makers on fixes before they submit products for testing."
        ),
    },
    {
        "slug": "liu-zihang",
        "name": "刘子航",
        "name_en": "Liu Zihang",
        "title": "副教授",
        "title_en": "Associate professor",
        "organisation": "重庆西部先进材料测试中心",
        "organisation_en": "Chongqing Western Advanced Materials Testing Centre",
        "services": ["diagnosis", "consulting"],
        "fields": ["materials", "equipment"],
        "district": "shapingba",
        "zone": "gaoxin",
        "bio": "研究金属材料疲劳与断裂，为装备制造企业提供失效分析和选材建议。",
        "bio_en": (
            "Researches fatigue and fracture of metals; offers failure analysis and material "
            "selection advice to equipment makers."
        ),
    },
    {
        "slug": "zhao-min",
        "name": "赵敏",
        "name_en": "Zhao Min",
        "title": "工程师",
        "title_en": "Engineer",
        "organisation": "重庆清源环境检测有限公司",
        "organisation_en": "Chongqing Qingyuan Environmental Testing Co., Ltd.",
        "services": ["consulting"],
        "fields": ["environment"],
        "district": "jiangbei",
        "bio": "从事环境监测十年，可为企业解读排污许可自行监测要求，制定监测方案。",
        "bio_en": (
            "Ten years in environmental monitoring; explains self-monitoring duties under "
            "discharge permits and drafts monitoring plans."
        ),
    },
    {
        "slug": "zhou-jianguo",
        "name": "周建国",
        "name_en": "Zhou Jianguo",
        "title": "正高级工程师",
        "title_en": "Senior engineer (professor level)",
        "organisation": "重庆沙坪坝建设工程质量检测有限公司",
        "organisation_en": "Chongqing Shapingba Construction Quality Testing Co., Ltd.",
        "services": ["diagnosis"],
        "fields": ["engineering", "materials"],
        "district": "shapingba",
        "bio": "长期从事建设工程质量检测与鉴定，擅长混凝土结构缺陷诊断。",
        "bio_en": (
            "Long career in construction quality testing and appraisal; specialises in "
            "diagnosing defects in concrete structures."
        ),
    },
    {
        "slug": "he-jingyi",
        "name": "何静怡",
        "name_en": "He Jingyi",
        "title": "主任药师",
        "title_en": "Chief pharmacist",
        "organisation": "重庆九龙医疗器械检验中心",
        "organisation_en": "Chongqing Jiulong Medical Device Testing Centre",
        "services": ["certification", "consulting"],
        "fields": ["medical"],
        "district": "jiulongpo",
        "bio": "熟悉医疗器械注册检验和质量管理规范，指导企业准备注册资料和体系核查。",
        "bio_en": (
            "Knows medical device registration testing and good manufacturing practice; "
            "guides companies through registration files and system audits."
        ),
    },
    {
        "slug": "deng-zhiyuan",
        "name": "邓志远",
        "name_en": "Deng Zhiyuan",
        "title": "高级工程师",
        "title_en": "Senior engineer",
        "organisation": "重庆巴南智联汽车检测中心",
        "organisation_en": "Chongqing Banan Smart Vehicle Testing Centre",
        "services": ["diagnosis", "consulting"],
        "fields": ["automotive", "electronics", "safety"],
        "district": "banan",
        "bio": "从事动力电池和新型储能产品检测，帮助企业分析电池安全测试中的问题。",
        "bio_en": (
            "Tests traction batteries and energy storage products; helps companies analyse "
            "problems found in battery safety tests."
        ),
    },
    {
        "slug": "tang-xue",
        "name": "唐雪",
        "name_en": "Tang Xue",
        "title": "高级工程师",
        "title_en": "Senior engineer",
        "organisation": "重庆渝北消费品质量检验院",
        "organisation_en": "Chongqing Yubei Consumer Goods Inspection Institute",
        "services": ["certification", "diagnosis"],
        "fields": ["consumer", "materials"],
        "district": "yubei",
        "bio": "从事儿童用品和纺织品检验，协助小微企业开展质量管理体系认证。",
        "bio_en": (
            "Inspects children's products and textiles; helps small businesses obtain quality "
            "management system certification."
        ),
    },
]

# The expert whose profile the "expert" demo account manages.
EXPERT_ACCOUNT_SLUG = "lin-chunjing"

# username, e-mail, role shown in the summary, group, is_staff, is_superuser, where to log in
ACCOUNTS: list[tuple[str, str, str, str | None, bool, bool, str]] = [
    ("admin", "admin@example.com", "superuser", None, True, True, "/cms-admin/"),
    (
        "editor",
        "editor@example.com",
        "regulator editor",
        "Regulator editors",
        False,
        False,
        "/cms-admin/",
    ),
    (
        "approver",
        "approver@example.com",
        "regulator approver",
        "Regulator approvers",
        False,
        False,
        "/cms-admin/",
    ),
    (
        "checkin",
        "checkin@example.com",
        "check-in staff",
        "Check-in staff",
        False,
        False,
        "/zh-hans/accounts/login/",
    ),
    (
        "expert",
        "expert@example.com",
        "expert (林春景)",
        "Experts",
        False,
        False,
        "/zh-hans/accounts/login/",
    ),
    (
        "institution",
        "institution@example.com",
        "institution contact",
        "Institution contacts",
        False,
        False,
        "/zh-hans/accounts/login/",
    ),
    (
        "enterprise",
        "enterprise@example.com",
        "enterprise (重庆示例汽车零部件有限公司)",
        None,
        False,
        False,
        "/zh-hans/accounts/login/",
    ),
    (
        "visitor",
        "visitor@example.com",
        "public user",
        None,
        False,
        False,
        "/zh-hans/accounts/login/",
    ),
]

# The verified enterprise the "enterprise" account owns. The credit code's 18th character
# is computed (GB 32100-2015) by the builder from these first 17.
DEMO_ENTERPRISE: dict = {
    "name": "重庆示例汽车零部件有限公司",
    "credit_code_base": "91500113MA5U7Q8X3",
    "industry": "automotive",
    "district": "banan",
    "size": "small",
    "address": "重庆市巴南区界石镇嘉界大道 88 号",
    "contact_name": "王经理",
    "contact_phone": "+8613800138000",
}

# Every expert's weekly consultation hours: slug -> [(weekday, start, end, where)].
# Weekdays count from Monday = 0. Each rule offers 60-minute consultations for every
# service the expert offers, so each of them can be booked for each of their services
# in the coming weeks, counted from the day the demo is seeded.
EXPERT_HOURS: dict[str, list[tuple[int, str, str, str]]] = {
    "nie-zongfeng": [(0, "09:00", "11:00", "centre"), (2, "14:00", "16:00", "online")],
    "lin-chunjing": [(1, "09:00", "12:00", "centre"), (3, "09:00", "12:00", "centre")],
    "wang-lixin": [(1, "14:00", "16:00", "enterprise"), (4, "09:00", "11:00", "centre")],
    "chen-xiaolan": [(0, "14:00", "16:00", "online"), (3, "14:00", "16:00", "centre")],
    "liu-zihang": [(2, "09:00", "11:00", "centre"), (4, "14:00", "16:00", "online")],
    "zhao-min": [(1, "09:00", "11:00", "online"), (3, "14:00", "16:00", "enterprise")],
    "zhou-jianguo": [(0, "09:00", "11:00", "enterprise"), (2, "14:00", "16:00", "centre")],
    "he-jingyi": [(1, "14:00", "16:00", "centre"), (4, "09:00", "11:00", "online")],
    "deng-zhiyuan": [(2, "09:00", "12:00", "centre"), (4, "14:00", "16:00", "enterprise")],
    "tang-xue": [(0, "14:00", "16:00", "centre"), (3, "09:00", "11:00", "online")],
}
# Where the consultations "at the service centre" take place.
EXPERT_AVAILABILITY_NOTE = "巴实智联质量港 2 楼专家工作室（巴南区鱼洞街道新市街 88 号）"

# The institution the "institution" account is a contact of, and the visit slots of its
# first lab that accepts visits: (days from today, start, end, capacity).
CONTACT_INSTITUTION_SLUG = "banan-smart-vehicle-testing-centre"
VISIT_SLOTS: list[tuple[int, str, str, int]] = [
    (7, "14:00", "16:00", 20),
    (9, "09:30", "11:30", 15),
    (14, "14:00", "16:00", 20),
    (21, "09:30", "11:30", 15),
]
