"""Demo needs on the supply-demand matching board (供需对接), in the terms of the city's plan
for the testing sector: the automotive (motorcycle) field it leads in, and the electronic
information and food fields whose testing it calls to strengthen.

Each need is found again by (enterprise, title). ``days`` counts from the day the demo is
seeded: a positive deadline stays on the board, a negative one has expired. Offers name
their responder: the demo institution contact's institution or the demo expert.
"""

from __future__ import annotations

# Two more enterprises posting needs (the demo enterprise is ``people.DEMO_ENTERPRISE``).
# The credit code's 18th character is computed from the first 17.
NEED_ENTERPRISES: dict[str, dict] = {
    "food": {
        "name": "重庆示例火锅食品有限公司",
        "credit_code_base": "91500108MA60FD2K1",
        "industry": "food",
        "district": "nanan",
        "size": "small",
        "address": "重庆市南岸区茶园新区通江大道 66 号",
        "contact_name": "刘女士",
        "contact_phone": "+8613800138001",
    },
    "electronics": {
        "name": "重庆示例智能电子有限公司",
        "credit_code_base": "91500106MA61EC3X7",
        "industry": "electronics",
        "district": "shapingba",
        "size": "medium",
        "address": "重庆市沙坪坝区西永微电园 9 号",
        "contact_name": "陈工",
        "contact_phone": "+8613800138002",
    },
}

NEEDS: list[dict] = [
    {
        "enterprise": "demo",
        "title": "盘式制动器制动噪声台架测试",
        "field": "automotive",
        "district": "banan",
        "days": 20,
        "budget_note": "3 万元以内",
        "description": (
            "我司为整车厂配套的新款通风制动盘在低速制动时偶有尖叫声，需在惯性台架上按"
            "行业通行的制动噪声试验方法做一轮测试，找出噪声频率与工况，并出具带 CMA 标志的"
            "报告，供整车厂送样评审使用。样件 6 套，可送至实验室。"
        ),
        "offers": [
            {
                "responder": "institution",
                "message": "我中心有制动器惯性台架和半消声室，近期有排期。",
                "approach": "按制动噪声台架试验方法进行全工况扫描，定位尖叫频段，附改进建议。",
                "fee_note": "约 2.6 万元（6 套样件）",
                "start_days": 7,
                "accepted": True,
            },
            {
                "responder": "expert",
                "message": "可先帮助梳理试验方案和整车厂的评审要求。",
                "approach": "现场查看样件和装配，协助确定测试工况和判定指标。",
                "fee_note": "公益咨询，不收费",
                "start_days": 3,
                "accepted": False,
            },
        ],
    },
    {
        "enterprise": "food",
        "title": "火锅底料加速货架期（保质期）测试",
        "field": "food",
        "district": "nanan",
        "days": 25,
        "budget_note": "",
        "description": (
            "新配方牛油火锅底料拟标注 18 个月保质期，需要加速货架期试验和常温留样对照，"
            "检测酸价、过氧化值和微生物指标，评估标注的保质期是否有依据。"
        ),
        "offers": [
            {
                "responder": "institution",
                "message": "可承接理化和微生物项目，加速试验可用恒温恒湿箱。",
                "approach": "设三个温度点做加速试验，按期取样检测酸价、过氧化值和菌落总数。",
                "fee_note": "按检测项目报价",
                "start_days": 10,
                "accepted": False,
            },
        ],
    },
    {
        "enterprise": "electronics",
        "title": "车载控制器电磁兼容（EMC）预测试",
        "field": "electronics",
        "district": "shapingba",
        "days": 30,
        "budget_note": "面议",
        "description": (
            "一款车载控制器在正式认证前需做电磁兼容预测试（传导发射、辐射发射和静电放电），"
            "希望实验室能在测试中给出整改方向，缩短正式送检的周期。"
        ),
        "offers": [],
    },
    {
        "enterprise": "demo",
        "title": "摩托车铝合金轮毂中性盐雾试验",
        "field": "automotive",
        "district": "banan",
        "days": -5,
        "budget_note": "",
        "description": "轮毂表面涂层需做 240 小时中性盐雾试验，评估涂层耐腐蚀性能。",
        "offers": [],
    },
]
