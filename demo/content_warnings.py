"""Consumer warnings (消费提示) for the demo site, in simplified Chinese and English.

Open-day activities nationwide include publishing consumer warnings (2024 national open
day, September activities); these three are written for the demo in our own words, from
the kind of advice market regulators give. Bodies are (block type, value) pairs for
``cms.blocks.BaseStreamBlock``; advice is one piece of advice per line.
"""

from __future__ import annotations

import datetime

from demo.pages import table

INDEX = {
    "slug": "consumer-warnings",
    "zh": {
        "title": "消费提示",
        "intro": (
            "市场监管部门结合产品质量抽检和检验检测机构开放日活动发布的消费提示，"
            "帮助您选购和安全使用商品。"
        ),
    },
    "en": {
        "title": "Consumer warnings",
        "intro": (
            "Warnings and tips from the market regulator, drawn from product spot checks and "
            "the open-day activities, to help you choose and use products safely."
        ),
    },
}


def _h(text: str) -> tuple[str, dict]:
    return ("heading", {"text": text, "size": "h2"})


def _p(html: str) -> tuple[str, str]:
    return ("paragraph", html)


WARNINGS: list[dict] = [
    {
        "slug": "e-bike-batteries-and-chargers",
        "date": datetime.date(2025, 9, 12),
        "product_category": "electric_bicycles",
        "risk_level": "high",
        "zh": {
            "title": "电动自行车电池和充电器安全消费提示",
            "summary": (
                "电动自行车起火，多与私自改装电池、使用不匹配的充电器和在室内充电有关。"
                "购买和使用时请留意以下几点。"
            ),
            "advice": "\n".join(
                [
                    "购买带有 CCC 认证标志的整车、电池和充电器，保存好发票和合格证。",
                    "使用原配或与电池型号匹配的充电器，不要混用。",
                    "不要私自换装大容量电池，也不要拆改限速装置。",
                    "不在楼道、安全出口和室内充电；充满后及时断电，不要整夜充电。",
                    "电池鼓包、漏液或异常发热时立即停用，到正规维修点检查。",
                ]
            ),
            "body": [
                _h("检测中常见的问题"),
                _p(
                    "<p>检验人员在开放日上演示了电池过充和短路试验。抽检中常见的问题有："
                    "充电器输出与电池不匹配、电池外壳阻燃性能不足、标识缺少额定电压和容量等。"
                    "这些问题平时不易察觉，一旦出现故障就可能引起起火。</p>"
                ),
                _h("如何看懂标识"),
                _p(
                    "<p>合格的电池和充电器应标明生产企业、型号、额定电压、额定容量和 CCC 认证标志。"
                    "请对照整车说明书核对型号，标识不全的产品不要购买。</p>"
                ),
            ],
        },
        "en": {
            "title": "E-bike batteries and chargers: safety advice",
            "summary": (
                "Most e-bike fires start with a modified battery, a charger that does not match "
                "it, or charging indoors. Keep the following in mind when you buy and use one."
            ),
            "advice": "\n".join(
                [
                    "Buy bikes, batteries and chargers that carry the CCC mark; keep the "
                    "invoice and the certificate of conformity.",
                    "Use the original charger or one made for your battery model; do not mix them.",
                    "Do not fit a bigger battery yourself or remove the speed limiter.",
                    "Never charge in a stairwell, by an emergency exit or indoors; unplug when "
                    "full and do not charge overnight.",
                    "Stop using a battery that swells, leaks or gets unusually hot, and have it "
                    "checked at an authorised repair shop.",
                ]
            ),
            "body": [
                _h("What testing finds"),
                _p(
                    "<p>At the open day, inspectors showed overcharge and short-circuit tests on "
                    "batteries. Spot checks often find chargers whose output does not match the "
                    "battery, battery cases that burn too easily, and labels without the rated "
                    "voltage and capacity. Such faults go unnoticed until something fails, and "
                    "then they can start a fire.</p>"
                ),
                _h("Reading the label"),
                _p(
                    "<p>A compliant battery or charger names its maker and model, its rated "
                    "voltage and capacity, and carries the CCC mark. Check the model against the "
                    "bike's manual, and do not buy a product whose label leaves these out.</p>"
                ),
            ],
        },
    },
    {
        "slug": "plastic-tableware-and-food-containers",
        "date": datetime.date(2025, 9, 16),
        "product_category": "food_contact",
        "risk_level": "low",
        "zh": {
            "title": "塑料餐具和食品容器选用提示",
            "summary": (
                "塑料餐盒、水杯和保鲜盒是家里用得最多的食品接触用品。"
                "看清标识、按说明使用，就能避开大多数风险。"
            ),
            "advice": "\n".join(
                [
                    "选购标有“食品接触用”字样或“勺子和杯子”标志的产品，看清材质和使用温度。",
                    "只有标明可以微波加热的容器才能放进微波炉。",
                    "不要用普通塑料袋或非食品用容器盛放热的、油多的食物。",
                    "变形、变色或划痕很多的塑料容器及时更换。",
                ]
            ),
            "body": [
                _h("常见材质和使用温度"),
                (
                    "table",
                    table(
                        [
                            ["材质", "常见用途", "使用提示"],
                            ["聚丙烯（PP，5号）", "微波餐盒、保鲜盒", "标明可微波时才可加热"],
                            [
                                "聚对苯二甲酸乙二醇酯（PET，1号）",
                                "饮料瓶",
                                "不宜装热水，不宜反复使用",
                            ],
                            ["聚苯乙烯（PS，6号）", "一次性杯、快餐盒", "不宜盛放很热或油多的食物"],
                        ],
                        "以产品标签标明的温度为准",
                    ),
                ),
                _p(
                    "<p>食品接触用品的检测包括迁移量试验：在规定温度下用模拟物浸泡，"
                    "看有多少物质进入食物。按标签的温度和用途使用，就在试验验证过的范围之内。</p>"
                ),
            ],
        },
        "en": {
            "title": "Plastic tableware and food containers: what to check",
            "summary": (
                "Lunch boxes, cups and storage boxes are the food contact items a household "
                "uses most. Read the label and follow it, and most risks are avoided."
            ),
            "advice": "\n".join(
                [
                    "Choose products marked for food contact (or with the cup-and-fork symbol) "
                    "and check the material and temperature range.",
                    "Only containers marked microwave-safe go in the microwave.",
                    "Do not put hot or oily food in ordinary plastic bags or non-food containers.",
                    "Replace plastic containers that are warped, discoloured or badly scratched.",
                ]
            ),
            "body": [
                _h("Common materials and temperatures"),
                (
                    "table",
                    table(
                        [
                            ["Material", "Typical use", "Advice"],
                            [
                                "Polypropylene (PP, 5)",
                                "Microwave and storage boxes",
                                "Heat only if marked microwave-safe",
                            ],
                            ["PET (1)", "Drink bottles", "Not for hot water; not for reuse"],
                            [
                                "Polystyrene (PS, 6)",
                                "Disposable cups, take-away boxes",
                                "Not for very hot or oily food",
                            ],
                        ],
                        "The temperature on the product label applies",
                    ),
                ),
                _p(
                    "<p>Testing food contact items includes migration tests: the item is soaked "
                    "in a food simulant at a set temperature to see how much passes into the "
                    "food. Used at the temperature and for the purpose on its label, an item "
                    "stays within what the tests have verified.</p>"
                ),
            ],
        },
    },
    {
        "slug": "children-toys-and-stationery",
        "date": datetime.date(2025, 9, 20),
        "product_category": "children",
        "risk_level": "medium",
        "zh": {
            "title": "儿童玩具和学生文具选购提示",
            "summary": (
                "开学和节假日前后是买玩具和文具的高峰。小零件、锐利边缘和刺鼻气味"
                "是最需要留意的三类问题。"
            ),
            "advice": "\n".join(
                [
                    "查看玩具上的 CCC 认证标志、适用年龄和警示说明。",
                    "给三岁以下儿童买的玩具，不应有能拆下来的小零件。",
                    "有刺鼻气味的文具和玩具不要买。",
                    "带纽扣电池或磁铁的玩具，电池仓应有螺丝固定，防止孩子误吞。",
                    "到正规商店购买并保存凭证，发现问题可拨打 12315 投诉。",
                ]
            ),
            "body": [
                _p(
                    "<p>在开放日“儿童玩具和学生文具怎么选”活动中，检验人员用小零件试验筒"
                    "和锐利边缘测试仪现场演示：能完全放进试验筒的零件，对三岁以下儿童有窒息风险；"
                    "测试仪能划破的边缘，就可能划伤孩子的手。</p>"
                ),
                _p(
                    "<p>家长选购时可以自己做个简单检查：用手摸一摸边缘和尖端，拉一拉小部件是否牢固，"
                    "闻一闻有没有异味。</p>"
                ),
            ],
        },
        "en": {
            "title": "Choosing children's toys and school stationery",
            "summary": (
                "Toys and stationery sell most around the start of term and the holidays. "
                "Small parts, sharp edges and strong smells are the three things to watch for."
            ),
            "advice": "\n".join(
                [
                    "Look for the CCC mark, the age range and the warnings on a toy.",
                    "Toys for children under three must have no parts that come off.",
                    "Do not buy stationery or toys with a strong chemical smell.",
                    "On toys with button batteries or magnets, the battery cover should be "
                    "held by a screw, so a child cannot swallow them.",
                    "Buy from proper shops and keep the receipt; report problems on 12315.",
                ]
            ),
            "body": [
                _p(
                    "<p>At the open-day activity on choosing toys and stationery, inspectors "
                    "showed the small-parts cylinder and the sharp-edge tester: a part that fits "
                    "entirely inside the cylinder can choke a child under three, and an edge the "
                    "tester cuts through can cut a child's hand.</p>"
                ),
                _p(
                    "<p>Parents can check for themselves in the shop: feel the edges and points, "
                    "tug at small parts to see that they hold, and smell the product.</p>"
                ),
            ],
        },
    },
]

# Open-day activities (by slug) and the warnings (by slug) they link.
ACTIVITY_WARNINGS: dict[str, list[str]] = {
    "choosing-safe-toys-and-stationery": ["children-toys-and-stationery"],
    "community-food-quick-testing": ["plastic-tableware-and-food-containers"],
}
