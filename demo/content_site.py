"""Site settings, home page, index pages and standard pages for the demo site.

Phone numbers, e-mail addresses, the ICP and public-security filing numbers and the site
identification code are invented.
"""

from __future__ import annotations

from demo.content_news import _h, _p, _t

SITE_NAME = "检验检测公共服务平台"

# The one place where the expert team receives enterprises, consultations "at the service
# centre" take place and the regulator's service desk sits: every venue, note and address of
# the demo names it this way.
SERVICE_LOCATION = {"zh": "巴实智联质量港", "en": "Bashi Zhilian Quality Harbour"}
SERVICE_ADDRESS = {
    "zh": "重庆市巴南区鱼洞街道新市街 88 号",
    "en": "88 Xinshi Street, Yudong Subdistrict, Banan District",
}

SITE_SETTINGS = {
    "organisation": "巴南区市场监督管理局",
    "organisation_en": "Banan District Administration for Market Regulation",
    "phone": "023-6628 3515",
    "email": "openday@example.com",
    "address": "重庆市巴南区鱼洞街道新市街 88 号 巴实智联质量港 2 楼",
    "address_en": (
        "2F Bashi Zhilian Quality Harbour, 88 Xinshi Street, Yudong Subdistrict, "
        "Banan District, Chongqing"
    ),
    "service_hours": "工作日 9:00–12:00，14:00–17:30（法定节假日除外）",
    "service_hours_en": "Working days 9:00–12:00 and 14:00–17:30 (closed on public holidays)",
    "icp_number": "渝ICP备2026012345号-1",
    "public_security_number": "渝公网安备 50011302000123号",
    "site_code": "5001130012",
}

HOME = {
    "zh": {
        "title": "首页",
        "hero_title": "{year} 年检验检测机构开放日",
        "hero_text": (
            "走进实验室，看看一份检测报告是怎样产生的。"
            "实验室参观、专家问诊、便民检测等活动现已开放报名，全部免费。"
        ),
        "intro": (
            "<p>本平台由<b>巴南区市场监督管理局</b>运营，是“巴实智联质量港”的线上服务窗口："
            "市民可以报名检验检测机构开放日活动，企业可以预约“巴心助检”专家服务团和实验室参观，"
            "也可以查找全市 CMA 资质认定检验检测机构。</p>"
        ),
        "search_description": "报名检验检测机构开放日活动，预约专家服务和实验室参观。",
    },
    "en": {
        "title": "Home",
        "hero_title": "{year} Testing & Inspection Open Day",
        "hero_text": (
            "Step inside a lab and see how a test report is made. Lab tours, expert clinics, "
            "convenience testing and more are open for registration, all free of charge."
        ),
        "intro": (
            "<p>This portal is run by the <b>Banan District Administration for Market "
            "Regulation</b> as the online desk of the Bashi Zhilian Quality Harbour: residents "
            "register for open-day activities, enterprises book the Baxin volunteer expert "
            "team and lab visits, and anyone can find CMA-accredited institutions in "
            "Chongqing.</p>"
        ),
        "search_description": (
            "Register for testing & inspection open-day activities, book experts and lab visits."
        ),
    },
}

# (key, zh label, zh description, en label, en description); the key names a page.
QUICK_LINKS = [
    (
        "campaign",
        "报名开放日活动",
        "实验室参观、便民检测等",
        "Register for the open day",
        "Lab tours, convenience testing and more",
    ),
    (
        "experts",
        "预约专家服务",
        "技术咨询、质量诊断、认证支持",
        "Book an expert",
        "Consulting, quality diagnosis, certification support",
    ),
    (
        "institutions",
        "查找检验检测机构",
        "按区域和领域查找 CMA 机构",
        "Find an institution",
        "CMA-accredited institutions by district and field",
    ),
    ("news", "新闻动态", "开放日和行业资讯", "News", "Open-day and sector news"),
]

NEWS_INDEX = {
    "slug": "news",
    "zh": {"title": "新闻动态", "intro": "开放日活动、专家服务和检验检测行业的最新消息。"},
    "en": {"title": "News", "intro": "News about the open day, expert services and the sector."},
}

INSTITUTION_INDEX = {
    "slug": "institutions",
    "zh": {
        "title": "检验检测机构",
        "intro": (
            "以下机构均已取得检验检测机构资质认定（CMA）。"
            "可按所在区域和检测领域筛选，部分实验室接受企业预约参观。"
        ),
    },
    "en": {
        "title": "Institutions",
        "intro": (
            "All institutions listed hold CMA accreditation. Filter by district and field; "
            "some labs accept visits booked by enterprises."
        ),
    },
}

EXPERT_ROSTER = {
    "slug": "experts",
    "zh": {
        "title": "“巴心助检”专家服务团",
        "intro": (
            "<p>专家服务团由巴南区聘请的专家教授组成，以公益方式为企业提供"
            "<b>技术咨询</b>、<b>质量诊断</b>和<b>认证支持</b>，不收取任何费用。</p>"
        ),
    },
    "en": {
        "title": "Baxin volunteer expert team",
        "intro": (
            "<p>Experts and professors appointed by Banan District offer enterprises "
            "<b>technical consulting</b>, <b>quality diagnosis</b> and <b>certification "
            "support</b> free of charge.</p>"
        ),
    },
}

CAMPAIGN_TITLE = {"zh": "{year} 年检验检测机构开放日", "en": "{year} Testing & Inspection Open Day"}

STANDARD_PAGES: list[dict] = [
    {
        "slug": "about",
        "zh": {
            "title": "关于平台",
            "intro": "检验检测公共服务平台是巴南区“巴实智联质量港”的线上服务窗口。",
            "body": [
                _h("我们做什么"),
                _p(
                    "<p>检验检测是国家质量基础设施的重要组成部分。为了让市民更了解检验检测、"
                    "让企业更方便地用上检验检测资源，巴南区市场监督管理局建设了本平台，提供三项服务：</p>"
                    "<ul><li><b>开放日报名</b>：每年检验检测机构开放日期间，在线报名实验室参观、"
                    "便民检测、科普讲座等活动，凭二维码签到；</li>"
                    "<li><b>专家服务预约</b>：企业可预约“巴心助检”专家服务团的技术咨询、"
                    "质量诊断和认证支持；</li>"
                    "<li><b>机构与实验室查询</b>：查找 CMA 资质认定机构，预约实验室参观，"
                    "预约共享大型仪器的机时。</li></ul>"
                ),
                _h("背景"),
                _p(
                    "<p>《重庆市检验检测服务业发展规划（2023—2027年）》提出推动实验室向社会开放、"
                    "共享大型仪器设备、提供“一站式”服务。2025 年全国检验检测机构开放日期间，"
                    "巴南区启动“巴实智联质量港”建设并组建“巴心助检”专家服务团，本平台随之上线。</p>"
                ),
                _t(
                    [
                        ["服务", "面向", "费用"],
                        ["开放日活动报名", "市民、学生、企业", "免费"],
                        ["专家服务预约", "企业", "免费"],
                        ["实验室参观预约", "企业、院校", "免费"],
                        ["大型仪器机时预约", "企业", "按机构收费标准，中小微企业优惠"],
                    ]
                ),
            ],
        },
        "en": {
            "title": "About the portal",
            "intro": (
                "The Testing & Inspection Public Service Portal is the online desk of Banan "
                "District's Bashi Zhilian Quality Harbour."
            ),
            "body": [
                _h("What we do"),
                _p(
                    "<p>Testing and inspection is a key part of the national quality "
                    "infrastructure. To help residents understand it and enterprises use it, the "
                    "Banan District Administration for Market Regulation runs this portal with "
                    "three services:</p>"
                    "<ul><li><b>Open-day registration</b>: during the annual open day, register "
                    "online for lab tours, convenience testing and lectures and check in with a "
                    "QR code;</li><li><b>Expert bookings</b>: enterprises book technical "
                    "consulting, quality diagnosis and certification support from the Baxin "
                    "volunteer expert team;</li><li><b>Institutions and labs</b>: find "
                    "CMA-accredited institutions, book lab visits and machine time on shared "
                    "large instruments.</li></ul>"
                ),
                _h("Background"),
                _p(
                    "<p>Chongqing's plan for the testing service industry 2023–2027 calls for "
                    "labs open to the public, shared large instruments and one-stop services. "
                    "During the 2025 national open day, Banan started building the Bashi "
                    "Zhilian Quality Harbour and formed the Baxin expert team; this portal "
                    "followed.</p>"
                ),
                _t(
                    [
                        ["Service", "For", "Cost"],
                        ["Open-day registration", "Residents, students, enterprises", "Free"],
                        ["Expert bookings", "Enterprises", "Free"],
                        ["Lab visits", "Enterprises, schools and universities", "Free"],
                        [
                            "Machine time on shared instruments",
                            "Enterprises",
                            "The institution's fees, reduced for small enterprises",
                        ],
                    ]
                ),
            ],
        },
    },
    {
        "slug": "contact",
        "zh": {
            "title": "联系我们",
            "intro": "对活动报名、专家预约或本平台有任何问题，欢迎通过以下方式联系我们。",
            "body": [
                _h("服务窗口"),
                _p(
                    "<p>巴南区市场监督管理局 检验检测服务窗口<br>"
                    "地址：重庆市巴南区鱼洞街道新市街 88 号 巴实智联质量港 2 楼<br>"
                    "电话：023-6628 3515<br>"
                    "电子邮箱：openday@example.com<br>"
                    "办公时间：工作日 9:00–12:00，14:00–17:30（法定节假日除外）</p>"
                ),
                _h("按事项联系"),
                _t(
                    [
                        ["事项", "电话", "电子邮箱"],
                        ["开放日报名、签到", "023-6628 3515", "openday@example.com"],
                        ["专家服务预约", "023-6628 3520", "experts@example.com"],
                        ["机构入驻和实验室参观", "023-6628 3526", "labs@example.com"],
                        ["个人信息保护", "023-6628 3531", "privacy@example.com"],
                    ]
                ),
                _h("交通"),
                _p(
                    "<p>乘坐轨道交通 2 号线至鱼洞站，步行约 10 分钟；"
                    "服务窗口设有无障碍通道，如需协助请提前来电。</p>"
                ),
            ],
        },
        "en": {
            "title": "Contact us",
            "intro": (
                "Questions about registrations, expert bookings or this portal? Get in touch."
            ),
            "body": [
                _h("Service desk"),
                _p(
                    "<p>Testing & Inspection Service Desk, Banan District Administration for "
                    "Market Regulation<br>Address: 2F Bashi Zhilian Quality Harbour, 88 Xinshi "
                    "Street, Yudong Subdistrict, Banan District, Chongqing<br>Phone: "
                    "+86 23 6628 3515<br>E-mail: openday@example.com<br>Opening hours: working "
                    "days 9:00–12:00 and 14:00–17:30 (closed on public holidays)</p>"
                ),
                _h("Who to contact"),
                _t(
                    [
                        ["Topic", "Phone", "E-mail"],
                        [
                            "Open-day registration and check-in",
                            "023-6628 3515",
                            "openday@example.com",
                        ],
                        ["Expert bookings", "023-6628 3520", "experts@example.com"],
                        ["Institutions and lab visits", "023-6628 3526", "labs@example.com"],
                        ["Personal information", "023-6628 3531", "privacy@example.com"],
                    ]
                ),
                _h("Getting here"),
                _p(
                    "<p>Take Rail Transit Line 2 to Yudong station, then walk about 10 minutes. "
                    "The desk has step-free access; call ahead if you need assistance.</p>"
                ),
            ],
        },
    },
    {
        "slug": "privacy",
        "zh": {
            "title": "隐私声明",
            "intro": (
                "本声明说明在您报名开放日活动、预约专家服务或实验室参观时，"
                "我们收集哪些个人信息、为什么收集、保存多久，以及您享有的权利。"
            ),
            "body": [
                _h("谁处理您的个人信息"),
                _p(
                    "<p>个人信息处理者为巴南区市场监督管理局（以下称“我们”），"
                    "联系地址：重庆市巴南区鱼洞街道新市街 88 号，"
                    "个人信息保护联系邮箱：privacy@example.com，电话：023-6628 3531。</p>"
                ),
                _h("我们收集哪些信息"),
                _t(
                    [
                        ["场景", "收集的信息", "是否必填"],
                        ["活动报名", "姓名、手机号码", "必填"],
                        ["活动报名", "电子邮箱、工作单位、同行人数", "选填"],
                        ["活动签到", "签到时间、签到方式", "自动记录"],
                        [
                            "专家或实验室预约",
                            "企业名称、统一社会信用代码、联系人、手机号码、问题描述",
                            "必填",
                        ],
                        ["注册账号", "电子邮箱、密码（仅保存加密后的摘要）", "必填"],
                    ],
                    "本平台收集的个人信息",
                ),
                _p("<p>我们不收集身份证号码、位置信息或通讯录，也不使用任何广告或跟踪工具。</p>"),
                _h("为什么收集"),
                _p(
                    "<ul><li>确认名额、发送报名确认和活动提醒（短信或电子邮件）；</li>"
                    "<li>活动当天核对身份并签到；</li>"
                    "<li>活动时间或地点变更、取消时及时通知您；</li>"
                    "<li>安排专家服务和实验室参观；</li>"
                    "<li>形成不含个人身份的汇总统计，用于改进服务。</li></ul>"
                    "<p>处理依据为您在报名或预约时的同意，以及履行公共服务职责所必需。</p>"
                ),
                _h("谁能看到您的信息"),
                _p(
                    "<p>承办活动的检验检测机构只能看到其本场活动的报名名单，仅用于签到和现场组织；"
                    "专家只能看到预约其服务的企业信息。我们不会出售您的个人信息，"
                    "也不会向境外提供。法律法规另有规定的除外。</p>"
                ),
                _h("保存多久"),
                _p(
                    "<p>活动报名和签到信息在当年开放日结束后保存 6 个月，随后删除或匿名化处理；"
                    "预约记录在服务完成后保存 1 年；账号信息保存至您注销账号。"
                    "汇总统计不含个人信息，可长期保存。</p>"
                ),
                _h("您的权利"),
                _p(
                    "<p>依照《中华人民共和国个人信息保护法》，您有权查阅、复制、更正和删除您的个人信息，"
                    "有权撤回同意、取消报名或注销账号。登录后可在“我的报名”中自行操作，"
                    "也可以通过上面的邮箱或电话联系我们，我们将在 15 个工作日内答复。</p>"
                ),
                _h("安全措施"),
                _p(
                    "<p>平台全程使用加密传输，工作人员按岗位授权访问数据，"
                    "系统日志不记录姓名、手机号等个人信息。</p>"
                ),
                _h("未成年人"),
                _p("<p>不满 14 周岁的未成年人参加活动，应由监护人代为报名。</p>"),
                _h("Cookie"),
                _p(
                    "<p>本平台只使用维持登录状态和记住语言选择所必需的 Cookie，"
                    "不使用统计分析或广告 Cookie。</p>"
                ),
                _h("声明的更新"),
                _p(
                    "<p>本声明如有重要变更，我们会在平台首页提示。"
                    "本版本自 2026 年 1 月 1 日起生效。</p>"
                ),
            ],
        },
        "en": {
            "title": "Privacy notice",
            "intro": (
                "This notice explains what personal information we collect when you register "
                "for open-day activities or book experts or lab visits, why, for how long, and "
                "what your rights are."
            ),
            "body": [
                _h("Who handles your information"),
                _p(
                    "<p>The controller is the Banan District Administration for Market "
                    'Regulation ("we"), 88 Xinshi Street, Yudong Subdistrict, Banan District, '
                    "Chongqing. Privacy contact: privacy@example.com, phone 023-6628 3531.</p>"
                ),
                _h("What we collect"),
                _t(
                    [
                        ["When", "Information", "Required?"],
                        ["Registering for an activity", "Name, mobile phone number", "Required"],
                        [
                            "Registering for an activity",
                            "E-mail, organisation, party size",
                            "Optional",
                        ],
                        ["Check-in", "Time and method of check-in", "Recorded automatically"],
                        [
                            "Booking an expert or lab visit",
                            "Enterprise name, unified social credit code, contact person, mobile "
                            "number, description of the question",
                            "Required",
                        ],
                        [
                            "Creating an account",
                            "E-mail, password (stored only as a hash)",
                            "Required",
                        ],
                    ],
                    "Personal information collected by this portal",
                ),
                _p(
                    "<p>We do not collect identity card numbers, location or contacts, and we "
                    "use no advertising or tracking tools.</p>"
                ),
                _h("Why we collect it"),
                _p(
                    "<ul><li>To hold your place and send confirmations and reminders (text "
                    "message or e-mail);</li><li>to check you in on the day;</li><li>to tell you "
                    "if an activity is moved or cancelled;</li><li>to arrange expert services "
                    "and lab visits;</li><li>to produce statistics that identify no one, so we "
                    "can improve the service.</li></ul><p>We rely on your consent when you "
                    "register or book, and on what is necessary to provide this public "
                    "service.</p>"
                ),
                _h("Who can see it"),
                _p(
                    "<p>A host institution sees only the list of people registered for its own "
                    "sessions, for check-in and organising the day; an expert sees only the "
                    "enterprises that booked them. We never sell personal information and do "
                    "not transfer it outside mainland China, unless the law requires "
                    "otherwise.</p>"
                ),
                _h("How long we keep it"),
                _p(
                    "<p>Registrations and check-ins are kept for six months after the year's "
                    "open day ends, then deleted or anonymised. Booking records are kept for one "
                    "year after the service; account details until you close your account. "
                    "Statistics contain no personal information and may be kept longer.</p>"
                ),
                _h("Your rights"),
                _p(
                    "<p>Under the Personal Information Protection Law of the People's Republic "
                    "of China you may access, copy, correct and delete your information, "
                    "withdraw consent, cancel a registration or close your account. Signed-in "
                    'users can do most of this under "My registrations"; otherwise contact us '
                    "at the address above. We reply within 15 working days.</p>"
                ),
                _h("Security"),
                _p(
                    "<p>All traffic is encrypted, staff access data only as their role "
                    "requires, and system logs contain no names or phone numbers.</p>"
                ),
                _h("Children"),
                _p("<p>Children under 14 must be registered by a parent or guardian.</p>"),
                _h("Cookies"),
                _p(
                    "<p>We use only the cookies needed to keep you signed in and remember your "
                    "language. There are no analytics or advertising cookies.</p>"
                ),
                _h("Changes"),
                _p(
                    "<p>We will announce important changes on the home page. This version "
                    "applies from 1 January 2026.</p>"
                ),
            ],
        },
    },
    {
        "slug": "accessibility",
        "zh": {
            "title": "无障碍声明",
            "intro": "我们希望每个人都能方便地使用本平台，包括使用读屏软件、键盘或放大工具的用户。",
            "body": [
                _h("遵循的标准"),
                _p(
                    "<p>本平台参照 GB/T 37668—2019"
                    "《信息技术 互联网内容无障碍可访问性技术要求与测试方法》"
                    "和 WCAG 2.1 AA 级进行设计和测试。</p>"
                ),
                _h("已经做到的"),
                _p(
                    "<ul><li>全部功能可仅用键盘完成，焦点位置清晰可见；</li>"
                    "<li>页面提供“跳到主要内容”链接，结构使用规范的标题和地标；</li>"
                    "<li>文字与背景对比度符合要求，页面可放大到 200% 而不丢失内容；</li>"
                    "<li>表单项都有文字标签，出错时会明确提示；</li>"
                    "<li>不依赖 JavaScript 也能完成报名；</li>"
                    "<li>中英文页面均正确标注语言。</li></ul>"
                ),
                _h("已知的不足"),
                _p(
                    "<ul><li>部分机构上传的图片缺少替代文字，我们正在逐步补充；</li>"
                    "<li>少量历史附件为扫描版 PDF，读屏软件无法读取，可来电索取文字版。</li></ul>"
                ),
                _h("其他报名方式"),
                _p(
                    "<p>如果您在线报名有困难，可以在办公时间拨打 023-6628 3515，"
                    "由工作人员代为报名。</p>"
                ),
                _h("反馈"),
                _p(
                    "<p>发现无障碍问题，请发送邮件至 openday@example.com 或来电告诉我们，"
                    "我们将在 5 个工作日内回复。本声明最近一次更新于 2026 年 1 月。</p>"
                ),
            ],
        },
        "en": {
            "title": "Accessibility statement",
            "intro": (
                "We want everyone to be able to use this portal, including people who use "
                "screen readers, keyboards or magnification."
            ),
            "body": [
                _h("Standards"),
                _p(
                    "<p>The portal is designed and tested against the Chinese national standard "
                    "GB/T 37668-2019 on web content accessibility and WCAG 2.1 level AA.</p>"
                ),
                _h("What works"),
                _p(
                    "<ul><li>Everything can be done with a keyboard, with a visible focus;</li>"
                    '<li>a "skip to main content" link, proper headings and landmarks;</li>'
                    "<li>sufficient colour contrast, and pages work when zoomed to 200%;</li>"
                    "<li>every form field has a label and errors are clearly announced;</li>"
                    "<li>registration works without JavaScript;</li>"
                    "<li>Chinese and English pages declare their language.</li></ul>"
                ),
                _h("Known issues"),
                _p(
                    "<ul><li>Some images uploaded by institutions lack alternative text; we are "
                    "adding it;</li><li>a few older attachments are scanned PDFs that screen "
                    "readers cannot read; call us for a text version.</li></ul>"
                ),
                _h("Other ways to register"),
                _p(
                    "<p>If registering online is difficult, call 023-6628 3515 during opening "
                    "hours and our staff will register you.</p>"
                ),
                _h("Feedback"),
                _p(
                    "<p>Found a barrier? E-mail openday@example.com or call us; we reply within "
                    "five working days. This statement was last reviewed in January 2026.</p>"
                ),
            ],
        },
    },
]
