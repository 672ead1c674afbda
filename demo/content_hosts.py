"""Hosts of open-day activities that are not accredited testing institutions: an
enterprise's R&D centre, a university and a training base (``experts.HostKind``).

From the 2025 Chongqing venue in the Zongshen industrial park (seeds 000): guests saw the
exhibition hall, the airway and whole-vehicle labs of the group's technical research
centre, and two testing training bases opened together with a university. Names and
details below are written for the demo; contact data is invented."""

from __future__ import annotations

OTHER_HOSTS: list[dict] = [
    {
        "slug": "zongshen-technical-research-centre",
        "kind": "enterprise_rd",
        "fields": ["automotive", "equipment"],
        "district": "banan",
        "contact_phone": "023-6628 3300",
        "contact_email": "rd-open-day@example.com",
        "image": "Demo: lab tour",
        "zh": {
            "title": "宗申技术研究中心",
            "address": "重庆市巴南区花溪街道宗申工业园研发大楼",
            "contact_name": "",
            "summary": (
                "企业自建的研发中心，开展发动机和整车的开发试验，开放日向公众开放部分实验室。"
            ),
            "description": (
                "<p>研究中心服务集团的发动机、摩托车和新能源动力产品开发，"
                "设有气道实验室和整车实验室。它不是对外出具检测报告的检验检测机构，"
                "开放日期间作为活动承办方开放实验室。</p>"
            ),
        },
        "en": {
            "title": "Zongshen Technical Research Centre",
            "address": "R&D building, Zongshen Industrial Park, Huaxi Subdistrict, Banan District",
            "contact_name": "",
            "summary": (
                "An enterprise's own R&D centre developing engines and vehicles; on the open "
                "day it opens some of its labs to visitors."
            ),
            "description": (
                "<p>The centre develops engines, motorcycles and electric powertrains for its "
                "group, with an airway lab and a whole-vehicle lab. It does not issue test "
                "reports to others; on the open day it hosts visits to its labs.</p>"
            ),
        },
        "labs": [],
    },
    {
        "slug": "banan-university-of-technology",
        "kind": "university",
        "fields": ["materials", "metrology"],
        "district": "banan",
        "contact_phone": "023-6628 4410",
        "contact_email": "quality-school@example.com",
        "image": "Demo: lecture",
        "zh": {
            "title": "重庆巴南理工学院 质量与标准化学院",
            "address": "重庆市巴南区龙洲湾街道学府大道 66 号",
            "contact_name": "",
            "summary": "开设质量管理与检验检测相关专业，与园区企业和检测机构共建实训基地。",
            "description": (
                "<p>学院培养质量管理、标准化和检验检测方向的学生，"
                "开放日期间开放教学实验室，由教师带领公众体验简单的测量与检测。</p>"
            ),
        },
        "en": {
            "title": "Chongqing Banan Institute of Technology, School of Quality and Standards",
            "address": "66 Xuefu Avenue, Longzhouwan Subdistrict, Banan District",
            "contact_name": "",
            "summary": (
                "Teaches quality management and testing, and runs training bases with "
                "companies and testing institutions of the park."
            ),
            "description": (
                "<p>The school trains students in quality management, standardisation and "
                "testing. On the open day its teaching labs open and teachers guide visitors "
                "through simple measurements and tests.</p>"
            ),
        },
        "labs": [],
    },
    {
        "slug": "zongshen-testing-training-base",
        "kind": "training_base",
        "fields": ["automotive", "metrology"],
        "district": "banan",
        "contact_phone": "023-6628 5520",
        "contact_email": "training-base@example.com",
        "image": "Demo: supply-demand matching",
        "zh": {
            "title": "宗申工业园检验检测实训基地",
            "address": "重庆市巴南区花溪街道宗申工业园实训楼",
            "contact_name": "",
            "summary": "园区企业与高校共建的实训基地，学生在真实实验室中学习检测操作。",
            "description": (
                "<p>实训基地由园区企业、检测机构和高校共同建设，"
                "2025 年开放日重庆分会场上与高校一起揭牌。</p>"
            ),
        },
        "en": {
            "title": "Zongshen Industrial Park Testing Training Base",
            "address": (
                "Training building, Zongshen Industrial Park, Huaxi Subdistrict, Banan District"
            ),
            "contact_name": "",
            "summary": (
                "A training base built by park companies and a university, where students "
                "learn testing in working labs."
            ),
            "description": (
                "<p>Built by park companies, testing institutions and a university, the base "
                "was opened together with the university at the 2025 Chongqing open-day "
                "venue.</p>"
            ),
        },
        "labs": [],
    },
]

# This year's activity run by the university (added to ``content_events.ACTIVITIES``).
UNIVERSITY_ACTIVITY: dict = {
    "slug": "university-measurement-taster",
    "activity_type": "lecture",
    "institution": "banan-university-of-technology",
    "district": "banan",
    "latitude": "29.350800",
    "longitude": "106.540600",
    "image": "Demo: lecture",
    "sessions": [(6, "14:00", "16:00", 30, 2, 4)],
    "zh": {
        "title": "高校开放课：动手做一次测量",
        "summary": "在学院的教学实验室里，跟着老师用卡尺、天平和色差仪完成一次小检测。",
        "venue": "重庆巴南理工学院 质量与标准化学院 教学实验室",
        "address": "重庆市巴南区龙洲湾街道学府大道 66 号",
        "audience": "中学生、家长和对检测专业感兴趣的公众",
        "description": "<p>每组 2 人，实验材料由学院准备。</p>",
    },
    "en": {
        "title": "University taster class: make a measurement yourself",
        "summary": (
            "In the school's teaching lab, measure with callipers, a balance and a colour "
            "meter, guided by a teacher."
        ),
        "venue": "Teaching lab, School of Quality and Standards, Chongqing Banan Institute of "
        "Technology",
        "address": "66 Xuefu Avenue, Longzhouwan Subdistrict, Banan District",
        "audience": "Secondary-school students, parents and anyone curious about testing",
        "description": "<p>Pairs of two; the school provides the materials.</p>",
    },
}
