"""Institutions, labs and this year's open-day activities for the demo site.

Institutions, accreditation numbers, people and phone numbers are invented.
Session times are given as (day offset from the campaign's first day, start "HH:MM",
end "HH:MM", capacity, maximum party size, places already taken by demo registrations).
"""

from __future__ import annotations

from demo import content_hosts

CAMPAIGN = {
    "slug_zh": "open-day",
    "zh": {
        "theme": "智检赋能，质量同行",
        "intro": (
            "<p>一年一度的检验检测机构开放日又来了。今年巴南区联合全市多家 CMA 资质认定机构，"
            "推出实验室参观、供需对接、专家问诊、便民检测、消费提示和科普讲座六类活动，"
            "<b>全部免费</b>，报名后凭二维码签到。</p>"
        ),
    },
    "en": {
        "theme": "Smart testing, quality together",
        "intro": (
            "<p>The annual testing & inspection open day is back. Banan District and "
            "accredited institutions across Chongqing offer lab tours, supply-demand matching, "
            "expert clinics, convenience testing, consumer advice and lectures. "
            "<b>Everything is free</b>: register, then check in with your QR code.</p>"
        ),
    },
}

# The CMA certificate of each institution: fictional numbers of the real shape (year,
# 22 = issued in Chongqing, field, sector, serial), six years of validity, the scope in
# both languages and, for some, a CNAS number. The construction lab's certificate ran out
# in 2026, so the pages show an expired one.
ACCREDITATION: dict[str, dict] = {
    "banan-smart-vehicle-testing-centre": {
        "issued": "2021-04-16",
        "expires": "2027-04-15",
        "cnas": "CNAS L8821",
        "zh": "汽车整车及零部件性能、排放、电磁兼容检测",
        "en": "Performance, emission and EMC tests of vehicles and components",
    },
    "yunan-food-agri-testing-institute": {
        "issued": "2022-07-08",
        "expires": "2028-07-07",
        "cnas": "CNAS L9135",
        "zh": "食品、食用农产品中农药兽药残留、添加剂及微生物检测",
        "en": "Pesticide and veterinary drug residues, additives and microbes in food",
    },
    "liangjiang-electronics-testing-institute": {
        "issued": "2023-03-21",
        "expires": "2029-03-20",
        "cnas": "CNAS L10427",
        "zh": "电子电气产品可靠性、环境适应性、无线通信性能检测",
        "en": "Reliability, environmental and wireless tests of electronic products",
    },
    "western-materials-testing-centre": {
        "issued": "2022-11-02",
        "expires": "2028-11-01",
        "cnas": "",
        "zh": "金属及复合材料力学性能、金相与失效分析",
        "en": "Mechanical properties, metallography and failure analysis of materials",
    },
    "qingyuan-environmental-testing": {
        "issued": "2023-09-12",
        "expires": "2029-09-11",
        "cnas": "",
        "zh": "室内空气、水和废气检测",
        "en": "Indoor air, water and exhaust gas testing",
    },
    "jiulong-medical-device-testing-centre": {
        "issued": "2022-05-27",
        "expires": "2028-05-26",
        "cnas": "CNAS L7716",
        "zh": "有源医疗器械电气安全与电磁兼容检测",
        "en": "Electrical safety and EMC of active medical devices",
    },
    "shapingba-construction-testing": {
        "issued": "2020-06-18",
        "expires": "2026-06-17",
        "cnas": "",
        "zh": "建筑材料、主体结构及地基基础检测",
        "en": "Building materials, structures and foundations",
    },
    "yubei-consumer-goods-inspection": {
        "issued": "2023-12-05",
        "expires": "2029-12-04",
        "cnas": "",
        "zh": "玩具、童装、文具等消费品安全检测",
        "en": "Safety of toys, children's clothing, stationery and other consumer goods",
    },
}

INSTITUTIONS: list[dict] = [
    {
        "slug": "banan-smart-vehicle-testing-centre",
        "accreditation_number": "212208110137",
        "fields": ["automotive", "equipment", "metrology"],
        "district": "banan",
        "contact_phone": "023-6628 1101",
        "contact_email": "vehicle-lab@example.com",
        "image": "Demo: lab tour",
        "zh": {
            "title": "重庆巴南智联汽车检测中心",
            "address": "重庆市巴南区花溪街道宗申工业园内 12 号楼",
            "contact_name": "郑海峰",
            "summary": "面向整车和零部件企业的综合检测机构，擅长动力总成、整车性能和电磁兼容试验。",
            "description": (
                "<p>中心位于宗申工业园，服务园区内外的整车、摩托车和零部件企业。"
                "主要开展发动机及动力总成性能试验、整车道路模拟和排放测试、"
                "车载电子电磁兼容测试等项目。</p>"
                "<p>开放日期间，中心开放整车实验室和气道实验室，并与企业开展供需对接。</p>"
            ),
        },
        "en": {
            "title": "Chongqing Banan Smart Vehicle Testing Centre",
            "address": "Building 12, Zongshen Industrial Park, Huaxi Subdistrict, Banan District",
            "contact_name": "Zheng Haifeng",
            "summary": (
                "A testing institution for vehicle and component makers: powertrains, whole-"
                "vehicle performance and electromagnetic compatibility."
            ),
            "description": (
                "<p>Located in the Zongshen industrial park, the centre serves makers of cars, "
                "motorcycles and components with powertrain performance tests, whole-vehicle "
                "road simulation and emission tests, and EMC tests of on-board electronics.</p>"
                "<p>During the open day the centre opens its whole-vehicle and airway labs and "
                "hosts a supply-demand matching session.</p>"
            ),
        },
        "labs": [
            {
                "name": "整车实验室",
                "name_en": "Whole-vehicle lab",
                "description": "配备四驱底盘测功机和环境舱，可在-30℃至50℃下开展整车性能试验。",
                "description_en": (
                    "Four-wheel-drive chassis dynamometer and climate chamber for whole-vehicle "
                    "tests from -30 °C to 50 °C."
                ),
                "fields_text": "整车性能、排放、能耗",
                "fields_text_en": "Vehicle performance, emissions, energy use",
                "visit_capacity": 20,
                "accepts_visits": True,
            },
            {
                "name": "发动机气道实验室",
                "name_en": "Engine airway lab",
                "description": "测量气缸盖进排气道的流量系数和涡流比，为发动机燃烧优化提供数据。",
                "description_en": (
                    "Measures flow coefficients and swirl of cylinder-head ports to help "
                    "optimise combustion."
                ),
                "fields_text": "发动机进排气性能",
                "fields_text_en": "Engine intake and exhaust performance",
                "visit_capacity": 12,
                "accepts_visits": True,
            },
            {
                "name": "电磁兼容实验室",
                "name_en": "EMC lab",
                "description": "10 米法电波暗室，开展车载电子电器电磁兼容测试。",
                "description_en": "10-metre anechoic chamber for EMC tests of vehicle electronics.",
                "fields_text": "电磁兼容",
                "fields_text_en": "Electromagnetic compatibility",
                "visit_capacity": 8,
                "accepts_visits": False,
            },
        ],
    },
    {
        "slug": "yunan-food-agri-testing-institute",
        "accreditation_number": "222200140218",
        "fields": ["food", "agriculture", "environment"],
        "district": "banan",
        "contact_phone": "023-6628 2203",
        "contact_email": "food-lab@example.com",
        "image": "Demo: convenience testing",
        "zh": {
            "title": "重庆渝南食品与农产品检验所",
            "address": "重庆市巴南区鱼洞街道龙洲大道 1688 号",
            "contact_name": "罗晓丽",
            "summary": "食品、食用农产品和饮用水检测，开展农药残留、兽药残留和微生物检验。",
            "description": (
                "<p>检验所承担食品安全抽检和企业委托检验，覆盖粮油、肉蛋奶、茶叶、"
                "蜂产品和饮用水等品类。</p>"
                "<p>开放日期间在社区开展便民快检，市民可以带少量样品现场检测。</p>"
            ),
        },
        "en": {
            "title": "Chongqing Yunan Food and Agricultural Products Testing Institute",
            "address": "1688 Longzhou Avenue, Yudong Subdistrict, Banan District",
            "contact_name": "Luo Xiaoli",
            "summary": (
                "Testing of food, farm produce and drinking water: pesticide and veterinary "
                "drug residues and microbiology."
            ),
            "description": (
                "<p>The institute carries out official food-safety sampling and tests for "
                "enterprises: grain and oil, meat, eggs and dairy, tea, bee products and "
                "drinking water.</p>"
                "<p>During the open day it offers quick tests in neighbourhoods: residents may "
                "bring small samples.</p>"
            ),
        },
        "labs": [
            {
                "name": "理化分析实验室",
                "name_en": "Physical and chemical analysis lab",
                "description": "液相色谱-质谱联用仪等设备，检测农药、兽药残留和食品添加剂。",
                "description_en": (
                    "LC-MS and related instruments for pesticide and veterinary drug residues "
                    "and food additives."
                ),
                "fields_text": "农药残留、兽药残留、添加剂",
                "fields_text_en": "Pesticide and drug residues, additives",
                "visit_capacity": 15,
                "accepts_visits": True,
            },
            {
                "name": "微生物实验室",
                "name_en": "Microbiology lab",
                "description": "二级生物安全实验室，开展致病菌和菌落总数检验。",
                "description_en": "Biosafety level 2 lab for pathogens and total plate counts.",
                "fields_text": "食品微生物",
                "fields_text_en": "Food microbiology",
                "visit_capacity": 6,
                "accepts_visits": False,
            },
        ],
    },
    {
        "slug": "liangjiang-electronics-testing-institute",
        "accreditation_number": "232209010425",
        "fields": ["electronics", "consumer"],
        "district": "yubei",
        "zone": "liangjiang",
        "contact_phone": "023-6789 3310",
        "contact_email": "eit-lab@example.com",
        "image": "Demo: lab tour",
        "zh": {
            "title": "两江新区电子信息产品检测院",
            "address": "重庆市两江新区金泰产业园金渝大道 99 号",
            "contact_name": "吴晨",
            "summary": "电子信息产品安全、电磁兼容、可靠性和无线通信检测。",
            "description": (
                "<p>检测院位于金泰产业园，为笔记本电脑、智能终端、车载电子和家用电器企业"
                "提供产品安全、电磁兼容、环境可靠性和无线射频测试。</p>"
            ),
        },
        "en": {
            "title": "Liangjiang Electronic Information Products Testing Institute",
            "address": "99 Jinyu Avenue, Jintai Industrial Park, Liangjiang New Area",
            "contact_name": "Wu Chen",
            "summary": "Safety, EMC, reliability and wireless testing of electronic products.",
            "description": (
                "<p>Based in the Jintai industrial park, the institute tests laptops, smart "
                "devices, vehicle electronics and household appliances for product safety, "
                "EMC, environmental reliability and radio performance.</p>"
            ),
        },
        "labs": [
            {
                "name": "环境可靠性实验室",
                "name_en": "Environmental reliability lab",
                "description": "高低温、湿热、盐雾、振动和跌落试验。",
                "description_en": "Heat, cold, damp heat, salt spray, vibration and drop tests.",
                "fields_text": "可靠性、环境适应性",
                "fields_text_en": "Reliability, environmental endurance",
                "visit_capacity": 15,
                "accepts_visits": True,
            },
            {
                "name": "无线射频实验室",
                "name_en": "Radio frequency lab",
                "description": "蓝牙、Wi-Fi 和蜂窝通信产品的射频性能测试。",
                "description_en": "Radio performance of Bluetooth, Wi-Fi and cellular products.",
                "fields_text": "无线通信",
                "fields_text_en": "Wireless communication",
                "visit_capacity": 8,
                "accepts_visits": True,
            },
        ],
    },
    {
        "slug": "western-materials-testing-centre",
        "accreditation_number": "222216300861",
        "fields": ["materials", "equipment"],
        "district": "shapingba",
        "zone": "gaoxin",
        "contact_phone": "023-6560 7712",
        "contact_email": "materials-lab@example.com",
        "image": "Demo: lecture",
        "zh": {
            "title": "重庆西部先进材料测试中心",
            "address": "重庆高新区西永街道科学大道 256 号",
            "contact_name": "周敏",
            "summary": "金属、高分子和复合材料的成分、力学性能和微观结构分析。",
            "description": (
                "<p>中心拥有扫描电镜、X 射线衍射仪和大吨位万能试验机等大型仪器，"
                "其中多台已纳入全市大型仪器共享目录，中小企业可以按机时预约使用。</p>"
            ),
        },
        "en": {
            "title": "Chongqing Western Advanced Materials Testing Centre",
            "address": "256 Kexue Avenue, Xiyong Subdistrict, Chongqing High-tech Zone",
            "contact_name": "Zhou Min",
            "summary": (
                "Composition, mechanical properties and microstructure of metals, polymers "
                "and composites."
            ),
            "description": (
                "<p>The centre runs scanning electron microscopes, X-ray diffraction and "
                "high-capacity universal testing machines. Several are listed in the city's "
                "shared-instrument catalogue: small enterprises can book machine time.</p>"
            ),
        },
        "labs": [
            {
                "name": "材料力学性能实验室",
                "name_en": "Mechanical testing lab",
                "description": "拉伸、压缩、弯曲、冲击和疲劳试验。",
                "description_en": "Tensile, compression, bending, impact and fatigue tests.",
                "fields_text": "金属与复合材料力学性能",
                "fields_text_en": "Mechanical properties of metals and composites",
                "visit_capacity": 20,
                "accepts_visits": True,
            },
            {
                "name": "电子显微分析室",
                "name_en": "Electron microscopy room",
                "description": "扫描电镜与能谱分析，观察断口和微观组织。",
                "description_en": "SEM with EDS for fractures and microstructure.",
                "fields_text": "微观结构、失效分析",
                "fields_text_en": "Microstructure, failure analysis",
                "visit_capacity": 6,
                "accepts_visits": True,
            },
        ],
    },
    {
        "slug": "qingyuan-environmental-testing",
        "accreditation_number": "232212050754",
        "fields": ["environment"],
        "district": "jiangbei",
        "contact_phone": "023-6711 5208",
        "contact_email": "env-lab@example.com",
        "image": "Demo: consumer advice",
        "zh": {
            "title": "重庆清源环境检测有限公司",
            "address": "重庆市江北区观音桥街道建新北路 66 号",
            "contact_name": "何俊",
            "summary": "水、气、土壤和室内空气检测，出具具有 CMA 标志的检测报告。",
            "description": (
                "<p>公司开展地表水、废水、环境空气、土壤和室内空气质量检测。"
                "开放日期间，工程师将讲解室内甲醛检测的正确方法，帮助市民识别不规范的检测服务。</p>"
            ),
        },
        "en": {
            "title": "Chongqing Qingyuan Environmental Testing Co., Ltd.",
            "address": "66 Jianxin North Road, Guanyinqiao Subdistrict, Jiangbei District",
            "contact_name": "He Jun",
            "summary": "Water, air, soil and indoor air testing with CMA-marked reports.",
            "description": (
                "<p>The company tests surface water, waste water, ambient air, soil and indoor "
                "air. During the open day its engineers explain how formaldehyde in homes "
                "should be measured and how to spot unreliable testing offers.</p>"
            ),
        },
        "labs": [
            {
                "name": "室内空气实验室",
                "name_en": "Indoor air lab",
                "description": "甲醛、苯系物和总挥发性有机物检测。",
                "description_en": "Formaldehyde, benzene compounds and total VOCs.",
                "fields_text": "室内空气质量",
                "fields_text_en": "Indoor air quality",
                "visit_capacity": 12,
                "accepts_visits": True,
            },
        ],
    },
    {
        "slug": "jiulong-medical-device-testing-centre",
        "accreditation_number": "222215140437",
        "fields": ["medical", "electronics"],
        "district": "jiulongpo",
        "contact_phone": "023-6852 4417",
        "contact_email": "meddev-lab@example.com",
        "image": "Demo: expert clinic",
        "zh": {
            "title": "重庆九龙医疗器械检验中心",
            "address": "重庆市九龙坡区石桥铺街道科园四路 18 号",
            "contact_name": "唐丽",
            "summary": "有源医疗器械电气安全、电磁兼容和家用医疗器械性能检验。",
            "description": (
                "<p>中心为医疗器械注册人提供注册检验和委托检验，"
                "对血压计、血糖仪、制氧机等家用器械有成熟的检验方案。</p>"
            ),
        },
        "en": {
            "title": "Chongqing Jiulong Medical Device Testing Centre",
            "address": "18 Keyuan 4th Road, Shiqiaopu Subdistrict, Jiulongpo District",
            "contact_name": "Tang Li",
            "summary": (
                "Electrical safety and EMC of active medical devices; performance of home "
                "medical devices."
            ),
            "description": (
                "<p>The centre provides registration and contract testing for medical device "
                "makers, with established methods for blood pressure monitors, glucose meters "
                "and oxygen concentrators.</p>"
            ),
        },
        "labs": [
            {
                "name": "电气安全实验室",
                "name_en": "Electrical safety lab",
                "description": "漏电流、介电强度和保护接地测试。",
                "description_en": "Leakage current, dielectric strength and protective earth.",
                "fields_text": "有源医疗器械安全",
                "fields_text_en": "Safety of active medical devices",
                "visit_capacity": 10,
                "accepts_visits": True,
            },
        ],
    },
    {
        "slug": "shapingba-construction-testing",
        "accreditation_number": "202201060279",
        "fields": ["engineering", "materials", "safety"],
        "district": "shapingba",
        "contact_phone": "023-6530 9026",
        "contact_email": "build-lab@example.com",
        "image": "Demo: institution",
        "zh": {
            "title": "重庆沙坪坝建设工程质量检测有限公司",
            "address": "重庆市沙坪坝区土主街道学城大道 208 号",
            "contact_name": "王磊",
            "summary": "建筑材料、地基基础、主体结构和建筑节能检测。",
            "description": (
                "<p>公司检测水泥、混凝土、钢筋和防水材料，承担桩基检测和主体结构检测。"
                "开放日期间邀请市民了解“房子是怎么被检测的”。</p>"
            ),
        },
        "en": {
            "title": "Chongqing Shapingba Construction Quality Testing Co., Ltd.",
            "address": "208 Xuecheng Avenue, Tuzhu Subdistrict, Shapingba District",
            "contact_name": "Wang Lei",
            "summary": (
                "Building materials, foundations, structures and energy efficiency of buildings."
            ),
            "description": (
                "<p>The company tests cement, concrete, rebar and waterproofing and inspects "
                "piles and load-bearing structures. On the open day residents can see how a "
                "building is tested.</p>"
            ),
        },
        "labs": [
            {
                "name": "建材实验室",
                "name_en": "Building materials lab",
                "description": "混凝土抗压、钢筋拉伸和防水卷材性能试验。",
                "description_en": "Concrete compression, rebar tension and membrane tests.",
                "fields_text": "建筑材料",
                "fields_text_en": "Building materials",
                "visit_capacity": 20,
                "accepts_visits": True,
            },
        ],
    },
    {
        "slug": "yubei-consumer-goods-inspection",
        "accreditation_number": "232211260153",
        "fields": ["consumer", "materials"],
        "district": "yubei",
        "contact_phone": "023-6745 6630",
        "contact_email": "goods-lab@example.com",
        "image": "Demo: consumer advice",
        "zh": {
            "title": "重庆渝北消费品质量检验院",
            "address": "重庆市渝北区龙溪街道松石北路 350 号",
            "contact_name": "邓雪",
            "summary": "儿童用品、纺织服装、文具和日用消费品质量检验。",
            "description": (
                "<p>检验院承担消费品监督抽查和企业委托检验，"
                "在玩具、童装、学生文具和家具等品类上积累了丰富的检验经验。</p>"
            ),
        },
        "en": {
            "title": "Chongqing Yubei Consumer Goods Inspection Institute",
            "address": "350 Songshi North Road, Longxi Subdistrict, Yubei District",
            "contact_name": "Deng Xue",
            "summary": "Children's products, textiles, stationery and everyday consumer goods.",
            "description": (
                "<p>The institute carries out official spot checks and contract tests of "
                "consumer goods, with long experience in toys, children's clothing, school "
                "stationery and furniture.</p>"
            ),
        },
        "labs": [
            {
                "name": "儿童用品实验室",
                "name_en": "Children's products lab",
                "description": "玩具小零件、锐利边缘、增塑剂和重金属检测。",
                "description_en": "Small parts, sharp edges, plasticisers and heavy metals.",
                "fields_text": "玩具、童装、文具",
                "fields_text_en": "Toys, children's clothing, stationery",
                "visit_capacity": 15,
                "accepts_visits": True,
            },
        ],
    },
    # Hosts that are not accredited testing institutions (no CMA certificate).
    *content_hosts.OTHER_HOSTS,
]

# Activities of this year's campaign. "sessions": (day, start, end, capacity, party, taken)
ACTIVITIES: list[dict] = [
    {
        "slug": "whole-vehicle-lab-tour",
        "activity_type": "lab_tour",
        "institution": "banan-smart-vehicle-testing-centre",
        "district": "banan",
        "latitude": "29.451200",
        "longitude": "106.526800",
        "image": "Demo: lab tour",
        "sessions": [
            (0, "09:30", "11:30", 30, 2, 27),
            (2, "14:30", "16:30", 30, 2, 8),
            (9, "09:30", "11:30", 30, 2, 0),
        ],
        "zh": {
            "title": "走进整车实验室：看一辆车怎样做“体检”",
            "summary": "参观整车实验室和环境舱，了解新车上市前要经过哪些性能和排放试验。",
            "venue": "重庆巴南智联汽车检测中心 整车实验室",
            "address": "重庆市巴南区花溪街道宗申工业园内 12 号楼",
            "audience": "市民、学生（12 岁以上）、汽车行业从业者",
            "description": (
                "<p>工程师将带大家走进底盘测功机试验间和高低温环境舱，"
                "演示整车能耗和排放测试的过程，并解答购车、用车中的质量问题。</p>"
                "<p>参观时长约 2 小时，请穿平底鞋，试验区内请勿触碰设备。</p>"
            ),
        },
        "en": {
            "title": "Inside the whole-vehicle lab: a car's health check",
            "summary": (
                "Tour the whole-vehicle lab and climate chamber and see which performance and "
                "emission tests a new car passes before it goes on sale."
            ),
            "venue": "Whole-vehicle lab, Chongqing Banan Smart Vehicle Testing Centre",
            "address": "Building 12, Zongshen Industrial Park, Huaxi Subdistrict, Banan District",
            "audience": "Residents, students aged 12 and over, people in the car industry",
            "description": (
                "<p>Engineers take you into the chassis dynamometer hall and the climate "
                "chamber, demonstrate energy-use and emission tests and answer questions about "
                "buying and using a car.</p><p>About two hours. Please wear flat shoes and do "
                "not touch equipment in the test areas.</p>"
            ),
        },
    },
    {
        "slug": "engine-airway-lab-open-house",
        "activity_type": "lab_tour",
        "institution": "banan-smart-vehicle-testing-centre",
        "district": "banan",
        "latitude": "29.451600",
        "longitude": "106.527300",
        "image": "Demo: lab tour",
        "sessions": [
            (1, "10:00", "11:30", 12, 1, 12),
            (5, "10:00", "11:30", 12, 1, 5),
        ],
        "zh": {
            "title": "发动机气道实验室开放参观",
            "summary": "看工程师如何测量发动机进气道的流量和涡流，了解动力总成研发中的检测环节。",
            "venue": "重庆巴南智联汽车检测中心 气道实验室",
            "address": "重庆市巴南区花溪街道宗申工业园内 12 号楼",
            "audience": "企业技术人员、高校师生",
            "description": (
                "<p>气道实验室测量气缸盖进排气道的流量系数和涡流比，是发动机燃烧优化的基础。"
                "本场参观名额较少，每人限报 1 人。</p>"
            ),
        },
        "en": {
            "title": "Open house at the engine airway lab",
            "summary": (
                "See how engineers measure intake-port flow and swirl, and where testing fits "
                "into powertrain development."
            ),
            "venue": "Airway lab, Chongqing Banan Smart Vehicle Testing Centre",
            "address": "Building 12, Zongshen Industrial Park, Huaxi Subdistrict, Banan District",
            "audience": "Engineers from industry, university staff and students",
            "description": (
                "<p>The airway lab measures flow coefficients and swirl of cylinder-head ports, "
                "the basis for optimising combustion. Places are few: one person per "
                "registration.</p>"
            ),
        },
    },
    {
        "slug": "auto-parts-testing-matching",
        "activity_type": "matching",
        "institution": "banan-smart-vehicle-testing-centre",
        "district": "banan",
        "latitude": "29.383600",
        "longitude": "106.521300",
        "image": "Demo: supply-demand matching",
        "sessions": [(3, "14:00", "17:00", 60, 3, 21)],
        "zh": {
            "title": "汽车零部件检测供需对接会",
            "summary": "零部件企业提出检测需求，检测机构现场介绍能力和价格，促成一对一对接。",
            "venue": "巴实智联质量港 2 楼服务大厅",
            "address": "重庆市巴南区鱼洞街道新市街 88 号",
            "audience": "汽车及零部件企业的质量、研发和采购负责人",
            "description": (
                "<p>对接会分为机构能力推介和一对一洽谈两部分。"
                "请企业在报名时填写单位名称，并准备好近期的检测需求清单。</p>"
            ),
        },
        "en": {
            "title": "Supply-demand matching for automotive component testing",
            "summary": (
                "Component makers present their testing needs; institutions present their "
                "capabilities and prices; then one-to-one talks."
            ),
            "venue": "Service hall, 2F, Bashi Zhilian Quality Harbour",
            "address": "88 Xinshi Street, Yudong Subdistrict, Banan District",
            "audience": "Quality, R&D and purchasing managers of vehicle and parts makers",
            "description": (
                "<p>Short presentations by institutions are followed by one-to-one talks. "
                "Please give your company name when registering and bring a list of your "
                "upcoming testing needs.</p>"
            ),
        },
    },
    {
        # Online: no venue, no limit on places (capacity None), the meeting link on the
        # registrants' ticket pages only; a recording of last year's classroom.
        "slug": "testing-cloud-classroom",
        "activity_type": "lecture",
        "institution": "",
        "district": "banan",
        "latitude": None,
        "longitude": None,
        "image": "Demo: lecture",
        "format": "online",
        "meeting_url": "https://meeting.example.com/j/2026-0918-cloud",
        "sessions": [(4, "19:30", "20:30", None, 1, 12)],
        "recordings": [
            {
                "recorded_on": "2025-09-18",
                "url": "https://video.example.com/cloud-classroom/2025",
                "zh": "2025 年检测云课堂：读懂一份检验检测报告",
                "en": "2025 testing cloud classroom: how to read a test report",
            },
        ],
        "zh": {
            "title": "检测云课堂：线上科普直播",
            "summary": (
                "检测工程师在线讲解如何看懂检验检测报告、如何辨别 CMA 标志，直播中可在线提问。"
            ),
            "venue": "",
            "address": "",
            "audience": "市民、中小企业质量负责人和学生",
            "description": (
                "<p>云课堂通过网络直播进行，无需到场。报名后，直播链接会在开始前半小时"
                "显示在您的报名凭证页面上；往期课堂的回放见本页下方。</p>"
            ),
        },
        "en": {
            "title": "Testing cloud classroom: an online live lecture",
            "summary": (
                "Testing engineers explain online how to read a test report and how to "
                "recognise the CMA mark; questions are welcome during the live stream."
            ),
            "venue": "",
            "address": "",
            "audience": "Residents, quality managers of small firms and students",
            "description": (
                "<p>The classroom is streamed live: no need to travel. After registering, "
                "the link appears on your ticket page half an hour before the start; "
                "recordings of earlier classrooms are further down this page.</p>"
            ),
        },
    },
    {
        "slug": "baxin-expert-clinic",
        "activity_type": "clinic",
        "institution": "",
        "district": "banan",
        "latitude": "29.383600",
        "longitude": "106.521300",
        "image": "Demo: expert clinic",
        "sessions": [
            (4, "09:00", "12:00", 12, 2, 10),
            (11, "09:00", "12:00", 12, 2, 2),
            (16, "14:00", "17:00", 12, 2, 0),
        ],
        "zh": {
            "title": "“巴心助检”专家问诊：中小企业质量诊断",
            "summary": "专家服务团成员面对面解答检测、认证和质量管理问题，每家企业约 30 分钟。",
            "venue": "巴实智联质量港 2 楼专家工作室",
            "address": "重庆市巴南区鱼洞街道新市街 88 号",
            "audience": "中小微企业负责人和质量管理人员",
            "description": (
                "<p>问诊以预约顺序进行。请在报名时简要写明想咨询的问题，"
                "并携带产品标准、检测报告或客户投诉记录等材料，方便专家快速了解情况。</p>"
            ),
        },
        "en": {
            "title": "Baxin expert clinic: quality diagnosis for small businesses",
            "summary": (
                "Members of the volunteer expert team answer questions on testing, "
                "certification and quality management, about 30 minutes per company."
            ),
            "venue": "Expert studio, 2F, Bashi Zhilian Quality Harbour",
            "address": "88 Xinshi Street, Yudong Subdistrict, Banan District",
            "audience": "Owners and quality staff of small and medium-sized enterprises",
            "description": (
                "<p>Consultations follow the order of registration. Please describe your "
                "question briefly and bring product standards, test reports or complaint "
                "records so the expert can understand the situation quickly.</p>"
            ),
        },
    },
    {
        "slug": "community-food-quick-testing",
        "activity_type": "convenience",
        "institution": "yunan-food-agri-testing-institute",
        "district": "banan",
        "latitude": "29.384900",
        "longitude": "106.524100",
        "image": "Demo: convenience testing",
        "sessions": [
            (0, "14:00", "16:30", 40, 4, 40),
            (6, "09:30", "11:30", 40, 4, 31),
            (13, "09:30", "11:30", 40, 4, 6),
            (19, "09:30", "11:30", 40, 4, 0),
        ],
        "zh": {
            "title": "便民检测：食用油、蜂蜜和茶叶现场快检",
            "summary": "带上家里的少量食用油、蜂蜜或茶叶，检验人员现场快检并讲解结果。",
            "venue": "鱼洞街道社区服务中心",
            "address": "重庆市巴南区鱼洞街道鱼轻路 21 号",
            "audience": "社区居民",
            "description": (
                "<p>每份样品约 50 克（毫升）即可，请装在干净的密封容器中并写明品名。"
                "快检结果仅供参考，如有疑问可委托实验室做正式检验。</p>"
            ),
        },
        "en": {
            "title": "Convenience testing: cooking oil, honey and tea",
            "summary": (
                "Bring small samples of cooking oil, honey or tea from home; inspectors test "
                "them on the spot and explain the results."
            ),
            "venue": "Yudong Subdistrict community service centre",
            "address": "21 Yuqing Road, Yudong Subdistrict, Banan District",
            "audience": "Local residents",
            "description": (
                "<p>About 50 g (ml) per sample is enough, in a clean sealed container with the "
                "product name written on it. Quick tests are indicative; a formal lab test can "
                "be ordered if needed.</p>"
            ),
        },
    },
    {
        "slug": "indoor-air-formaldehyde-advice",
        "activity_type": "convenience",
        "institution": "qingyuan-environmental-testing",
        "district": "jiangbei",
        "latitude": "29.575000",
        "longitude": "106.532000",
        "image": "Demo: consumer advice",
        "sessions": [
            (2, "10:00", "11:30", 25, 2, 14),
            (8, "14:30", "16:00", 25, 2, 0),
        ],
        "zh": {
            "title": "新房甲醛怎么测：室内空气检测开放课堂",
            "summary": "工程师演示规范的室内甲醛检测方法，讲解如何看懂检测报告、避开不规范的服务。",
            "venue": "重庆清源环境检测有限公司 室内空气实验室",
            "address": "重庆市江北区观音桥街道建新北路 66 号",
            "audience": "新装修家庭、物业和装修从业人员",
            "description": (
                "<p>内容包括：采样前为什么要关窗 12 小时、快速检测仪的局限、"
                "正规检测报告上应有哪些信息。现场可咨询自家检测报告。</p>"
            ),
        },
        "en": {
            "title": "Formaldehyde in new homes: an open class on indoor air testing",
            "summary": (
                "Engineers demonstrate proper formaldehyde sampling and explain how to read a "
                "test report and avoid unreliable services."
            ),
            "venue": "Indoor air lab, Chongqing Qingyuan Environmental Testing",
            "address": "66 Jianxin North Road, Guanyinqiao Subdistrict, Jiangbei District",
            "audience": "Families in newly decorated homes, property and renovation staff",
            "description": (
                "<p>Why windows must stay closed for 12 hours before sampling, what hand-held "
                "meters cannot tell you, and what a proper report contains. Bring your own "
                "report if you have questions about it.</p>"
            ),
        },
    },
    {
        "slug": "choosing-safe-toys-and-stationery",
        "activity_type": "consumer",
        "institution": "yubei-consumer-goods-inspection",
        "district": "yubei",
        "latitude": "29.718000",
        "longitude": "106.630000",
        "image": "Demo: consumer advice",
        "sessions": [
            (5, "14:30", "16:00", 50, 4, 36),
            (12, "10:00", "11:30", 50, 4, 0),
        ],
        "zh": {
            "title": "消费提示：儿童玩具和学生文具怎么选",
            "summary": "检验人员展示抽检中常见的不合格玩具和文具，教家长看标识、辨风险。",
            "venue": "重庆渝北消费品质量检验院 儿童用品实验室",
            "address": "重庆市渝北区龙溪街道松石北路 350 号",
            "audience": "家长和中小学生",
            "description": (
                "<p>现场演示小零件测试和锐利边缘测试，讲解 3C 认证标志和产品标签上的关键信息。"
                "欢迎家长带孩子一起参加（每次报名最多 4 人）。</p>"
            ),
        },
        "en": {
            "title": "Consumer advice: choosing safe toys and school stationery",
            "summary": (
                "Inspectors show toys and stationery that failed spot checks and explain how "
                "to read labels and spot risks."
            ),
            "venue": "Children's products lab, Chongqing Yubei Consumer Goods Inspection Institute",
            "address": "350 Songshi North Road, Longxi Subdistrict, Yubei District",
            "audience": "Parents and school children",
            "description": (
                "<p>Live small-parts and sharp-edge tests, and what the CCC mark and product "
                "labels tell you. Parents are welcome to bring children (up to four people per "
                "registration).</p>"
            ),
        },
    },
    {
        "slug": "home-medical-devices-lecture",
        "activity_type": "lecture",
        "institution": "jiulong-medical-device-testing-centre",
        "district": "jiulongpo",
        "latitude": "29.532000",
        "longitude": "106.468000",
        "image": "Demo: lecture",
        "sessions": [(7, "14:30", "16:00", 60, 2, 17)],
        "zh": {
            "title": "科普讲座：家用血压计、血糖仪的正确使用",
            "summary": "检验专家讲解家用医疗器械的选购、校准和日常使用，现场免费检查血压计示值。",
            "venue": "重庆九龙医疗器械检验中心 报告厅",
            "address": "重庆市九龙坡区石桥铺街道科园四路 18 号",
            "audience": "中老年人及其家属、社区医护人员",
            "description": (
                "<p>讲座约 60 分钟，之后可将家里的电子血压计交给检验人员做示值检查，"
                "请携带血压计和电池。</p>"
            ),
        },
        "en": {
            "title": "Lecture: using blood pressure monitors and glucose meters correctly",
            "summary": (
                "Testing experts explain how to choose, check and use home medical devices; "
                "free accuracy checks of blood pressure monitors on site."
            ),
            "venue": "Lecture hall, Chongqing Jiulong Medical Device Testing Centre",
            "address": "18 Keyuan 4th Road, Shiqiaopu Subdistrict, Jiulongpo District",
            "audience": "Older residents and their families, community health workers",
            "description": (
                "<p>The talk takes about an hour; afterwards inspectors check the readings of "
                "electronic blood pressure monitors. Bring your monitor and batteries.</p>"
            ),
        },
    },
    {
        "slug": "new-materials-science-talk",
        "activity_type": "lecture",
        "institution": "western-materials-testing-centre",
        "district": "shapingba",
        "zone": "gaoxin",
        "latitude": "29.585000",
        "longitude": "106.305000",
        "image": "Demo: lecture",
        "sessions": [
            (10, "15:00", "16:30", 40, 2, 12),
            (17, "15:00", "16:30", 40, 2, 0),
        ],
        "zh": {
            "title": "科普讲座：显微镜下的新材料",
            "summary": (
                "从碳纤维到高强钢，借助电子显微镜看材料内部结构，了解材料检测如何保障产品安全。"
            ),
            "venue": "重庆西部先进材料测试中心 一楼多功能厅",
            "address": "重庆高新区西永街道科学大道 256 号",
            "audience": "中学生、大学生和材料行业从业者",
            "description": (
                "<p>讲座后参观电子显微分析室，实时观察金属断口。"
                "中心还将介绍大型仪器共享预约的流程。</p>"
            ),
        },
        "en": {
            "title": "Lecture: new materials under the microscope",
            "summary": (
                "From carbon fibre to high-strength steel: look inside materials with an "
                "electron microscope and learn how materials testing keeps products safe."
            ),
            "venue": "Ground-floor hall, Chongqing Western Advanced Materials Testing Centre",
            "address": "256 Kexue Avenue, Xiyong Subdistrict, Chongqing High-tech Zone",
            "audience": "Secondary and university students, people in the materials industry",
            "description": (
                "<p>After the talk, visit the electron microscopy room and watch a metal "
                "fracture surface live. The centre also explains how to book shared "
                "instruments.</p>"
            ),
        },
    },
    {
        "slug": "how-buildings-are-tested",
        "activity_type": "lab_tour",
        "institution": "shapingba-construction-testing",
        "district": "shapingba",
        "latitude": "29.610000",
        "longitude": "106.305000",
        "image": "Demo: institution",
        "sessions": [
            (3, "09:30", "11:00", 20, 1, 9),
            (15, "09:30", "11:00", 20, 1, 0),
        ],
        "zh": {
            "title": "实验室开放日：房子是怎么被检测的",
            "summary": "观看混凝土试块抗压和钢筋拉伸试验，了解住房质量背后的检测工作。",
            "venue": "重庆沙坪坝建设工程质量检测有限公司 建材实验室",
            "address": "重庆市沙坪坝区土主街道学城大道 208 号",
            "audience": "市民、购房者、土木工程专业学生",
            "description": (
                "<p>试验现场有较大声响，请听从工作人员安排，站在安全线以外观看。"
                "12 岁以下儿童暂不开放。</p>"
            ),
        },
        "en": {
            "title": "Open lab: how buildings are tested",
            "summary": (
                "Watch concrete compression and rebar tension tests and learn what testing "
                "lies behind the quality of a home."
            ),
            "venue": "Building materials lab, Chongqing Shapingba Construction Quality Testing",
            "address": "208 Xuecheng Avenue, Tuzhu Subdistrict, Shapingba District",
            "audience": "Residents, home buyers, civil engineering students",
            "description": (
                "<p>Tests can be loud; please follow the staff and stay behind the safety "
                "line. Not open to children under 12.</p>"
            ),
        },
    },
    content_hosts.UNIVERSITY_ACTIVITY,
]

# Invented people for demo registrations (obviously fake phone numbers are made from these).
SURNAMES = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
]
ORGANISATIONS = [
    "",
    "",
    "重庆某汽车零部件有限公司",
    "巴南区某食品厂",
    "",
    "某高校机械工程学院",
    "",
    "某物业服务公司",
]
