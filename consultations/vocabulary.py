"""The domain words find-an-expert matches a need on.

A need is free text ("我们的制动盘制动时有异响，需要帮助分析原因"). Matching it word by word
against the experts' biographies finds the words every text shares (帮助, 分析, 原因) and
says nothing about who can help. So only the terms of the testing and inspection domain
count: the product categories, test items and problems of each field (``FIELD_TERMS``),
the services' own words (``SERVICE_TERMS``) and standard numbers (``STANDARD_RE``: GB,
GB/T, QC/T, ISO, IEC, ...). Each term is a concept with its synonyms in both languages, so
a need in one language finds a biography written in the other. A term that belongs to
fields tells which fields the need concerns; a standard whose prefix belongs to a field
(QC/T: the automotive industry) too.

Matching is literal: Chinese synonyms as substrings, Latin ones as whole words (with a
plural ``s``), the longest match winning where two overlap (制动盘 over 制动).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# field code -> concepts, each a list of synonyms (Chinese and English).
FIELD_TERMS: dict[str, list[tuple[str, ...]]] = {
    "automotive": [
        ("汽车", "整车", "乘用车", "商用车", "car", "vehicle", "automotive", "automobile"),
        ("摩托车", "motorcycle", "motorbike"),
        ("汽车零部件", "汽配", "auto part", "automotive component"),
        ("制动", "刹车", "brake", "braking"),
        ("制动盘", "刹车盘", "brake disc", "brake disk", "brake rotor"),
        ("制动片", "刹车片", "brake pad"),
        ("异响", "尖叫声", "squeal", "rattle", "squeak"),
        ("NVH", "噪声振动"),
        ("发动机", "engine"),
        ("动力总成", "powertrain"),
        ("变速器", "变速箱", "gearbox", "transmission"),
        ("安全带", "seatbelt", "seat belt"),
        ("安全气囊", "airbag"),
        ("轮胎", "tyre", "tire"),
        ("底盘", "悬架", "chassis", "suspension"),
        ("新能源汽车", "电动汽车", "electric vehicle"),
        ("智能网联", "connected vehicle"),
    ],
    "electronics": [
        ("电磁兼容", "EMC", "electromagnetic compatibility"),
        ("电子产品", "电子元器件", "electronics", "electronic product", "electronic component"),
        ("电路板", "PCB", "circuit board"),
        ("芯片", "集成电路", "chip", "integrated circuit"),
        ("传感器", "sensor"),
        ("射频", "无线", "radio frequency", "wireless"),
        ("电气安全", "electrical safety"),
        ("充电器", "电源适配器", "charger", "power adapter"),
        ("显示屏", "display screen"),
        ("家用电器", "家电", "household appliance"),
    ],
    "materials": [
        ("金属", "metal"),
        ("钢", "钢材", "steel"),
        ("铝合金", "aluminium alloy", "aluminum alloy"),
        ("疲劳", "fatigue"),
        ("断裂", "fracture"),
        ("裂纹", "crack"),
        ("腐蚀", "锈蚀", "盐雾", "corrosion", "rust", "salt spray"),
        ("失效分析", "failure analysis"),
        ("选材", "material selection"),
        ("塑料", "高分子", "plastic", "polymer"),
        ("橡胶", "rubber"),
        ("涂层", "镀层", "coating", "plating"),
        ("硬度", "hardness"),
        ("拉伸", "抗拉强度", "tensile"),
        ("热处理", "heat treatment"),
        ("焊接", "焊缝", "welding", "weld"),
        ("铸件", "锻件", "casting", "forging"),
    ],
    "food": [
        ("食品", "food"),
        ("农产品", "agricultural product", "farm produce"),
        ("食品添加剂", "添加剂", "food additive", "additive"),
        ("农药残留", "农残", "pesticide residue"),
        ("微生物", "菌落", "致病菌", "microbial", "microbiology", "bacteria"),
        ("食品生产许可", "food production licence", "food production license"),
        ("保质期", "shelf life"),
        ("火锅底料", "hotpot seasoning"),
        ("肉制品", "meat product"),
        ("乳制品", "dairy"),
        ("饮料", "beverage"),
        ("白酒", "baijiu", "liquor"),
        ("食品安全", "food safety"),
        ("出厂检验", "release check", "release inspection"),
    ],
    "environment": [
        ("环境监测", "environmental monitoring"),
        ("排污许可", "discharge permit"),
        ("自行监测", "self-monitoring"),
        ("废水", "污水", "wastewater", "sewage"),
        ("废气", "waste gas", "exhaust gas"),
        ("VOCs", "挥发性有机物", "VOC", "volatile organic compound"),
        ("土壤", "soil"),
        ("固废", "危废", "固体废物", "危险废物", "solid waste", "hazardous waste"),
        ("水质", "water quality"),
        ("环评", "environmental impact assessment"),
    ],
    "medical": [
        ("医疗器械", "medical device"),
        ("药品", "药物", "medicine", "pharmaceutical", "drug"),
        ("注册检验", "registration testing"),
        ("生物相容性", "biocompatibility"),
        ("无菌", "sterile", "sterility"),
        ("体外诊断", "IVD", "in vitro diagnostic"),
        ("质量管理规范", "GMP", "good manufacturing practice"),
    ],
    "engineering": [
        ("建设工程", "建筑工程", "construction"),
        ("建筑", "建筑物"),
        ("混凝土", "concrete"),
        ("钢筋", "rebar"),
        ("结构", "structure", "structural"),
        ("地基", "foundation"),
        ("防水", "waterproofing"),
        ("建材", "水泥", "砂浆", "building material", "cement", "mortar"),
        ("鉴定", "appraisal"),
    ],
    "equipment": [
        ("装备制造", "装备", "equipment"),
        ("机械", "machinery", "mechanical"),
        ("计量", "校准", "metrology", "calibration", "measurement"),
        ("轴承", "bearing"),
        ("齿轮", "gear"),
        ("压力容器", "pressure vessel"),
        ("电梯", "elevator"),
        ("机床", "数控", "machine tool", "CNC"),
        ("液压", "hydraulic"),
    ],
    "energy": [
        ("动力电池", "traction battery"),
        ("电池", "锂电池", "battery", "lithium"),
        ("储能", "energy storage"),
        ("化工", "化学品", "chemical"),
        ("危险化学品", "hazardous chemical"),
        ("光伏", "photovoltaic", "solar"),
        ("燃气", "天然气", "natural gas"),
        ("充电桩", "charging station", "charging pile"),
        ("石油", "成品油", "petroleum"),
    ],
    "consumer": [
        ("消费品", "consumer goods", "consumer product"),
        ("儿童用品", "婴童用品", "children's product", "children's products"),
        ("玩具", "toy"),
        ("纺织品", "服装", "textile", "garment", "clothing"),
        ("家具", "furniture"),
        ("鞋", "footwear", "shoe"),
        ("文具", "stationery"),
        ("化妆品", "cosmetic"),
    ],
}

# Terms shared by two fields (noise: a car's, or a factory's neighbours').
SHARED_TERMS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("噪声", "噪音", "noise"), ("automotive", "environment")),
    (("振动", "vibration"), ("automotive", "equipment")),
    (("排放", "尾气", "emission"), ("automotive", "environment")),
    (("重金属", "heavy metal"), ("food", "environment")),
    (("标签", "标识", "label", "labelling", "labeling"), ("food", "consumer")),
]

# The services' own vocabulary: what a diagnosis or certification is about.
SERVICE_TERMS: list[tuple[str, ...]] = [
    ("质量诊断", "quality diagnosis"),
    ("不合格", "nonconformity", "non-conformity", "nonconforming"),
    ("质量管理体系", "体系认证", "quality management system", "QMS"),
    ("CCC", "3C", "强制性产品认证", "compulsory certification"),
    ("生产许可", "许可证", "production licence", "production license"),
    ("型式试验", "type test"),
    ("抽检", "监督抽查", "spot check", "sampling inspection"),
    ("可靠性", "reliability"),
    ("整改", "corrective action"),
    ("送检", "submit for testing"),
    ("现场审核", "体系核查", "on-site audit", "system audit"),
    ("计量认证", "资质认定", "CMA"),
]

# Standard numbers: the prefix, the number (with parts), an optional year.
STANDARD_RE = re.compile(
    r"(?<![A-Za-z])(GB/T|GB/Z|GB|QC/T|QC|JB/T|JB|YY/T|YY|HJ|JGJ|JG/T|NB/T|SN/T|SJ/T|QB/T|"
    r"FZ/T|HG/T|JJF|JJG|IATF|ISO/IEC|ISO|IEC|EN|SAE|UL)\s*"
    r"(\d+(?:\.\d+)*(?:-(?!(?:19|20)\d{2}(?!\d))\d+)?)(?:\s*[-—–:]\s*((?:19|20)\d{2}))?(?!\d)",
    re.IGNORECASE,
)
# Which field a standard's prefix (or prefix and first digits) points to.
STANDARD_FIELDS: dict[str, str] = {
    "QC": "automotive",
    "IATF": "automotive",
    "YY": "medical",
    "HJ": "environment",
    "JGJ": "engineering",
    "JG": "engineering",
    "GB 50": "engineering",
    "SJ": "electronics",
    "FZ": "consumer",
    "QB": "consumer",
    "NB": "energy",
    "HG": "energy",
    "JB": "equipment",
    "JJF": "equipment",
    "JJG": "equipment",
    "ISO 13485": "medical",
    "ISO 14001": "environment",
    "GB 2760": "food",
    "GB 2762": "food",
    "GB 2763": "food",
    "GB 7718": "food",
    "GB 14881": "food",
}


@dataclass(frozen=True)
class Concept:
    """One domain term with its synonyms, the fields it belongs to, and its pattern."""

    words: tuple[str, ...]
    fields: tuple[str, ...]
    pattern: re.Pattern = field(compare=False, repr=False)


def _word_pattern(word: str) -> str:
    if re.search(r"[A-Za-z]", word):
        body = r"[\s-]?".join(re.escape(part) for part in word.split())
        return rf"(?<![A-Za-z0-9]){body}(?:s|es)?(?![A-Za-z0-9])"
    return re.escape(word)


def _concept(words: tuple[str, ...], fields: tuple[str, ...] = ()) -> Concept:
    # Longest synonym first, so the alternation prefers 制动盘 to 制动 at one position.
    ordered = sorted(words, key=len, reverse=True)
    pattern = re.compile("|".join(_word_pattern(w) for w in ordered), re.IGNORECASE)
    return Concept(words=words, fields=fields, pattern=pattern)


CONCEPTS: list[Concept] = [
    *(_concept(words, (code,)) for code, terms in FIELD_TERMS.items() for words in terms),
    *(_concept(words, fields) for words, fields in SHARED_TERMS),
    *(_concept(words) for words in SERVICE_TERMS),
]


@dataclass(frozen=True)
class Term:
    """A domain term found in a need: ``label`` as the need wrote it (a standard in its
    usual form, "GB/T 34422"), the fields it points to, and how to find it elsewhere
    (any synonym, in either language; a standard however it is spaced)."""

    key: str
    label: str
    fields: tuple[str, ...]
    pattern: re.Pattern = field(compare=False, repr=False)

    def found_in(self, text: str) -> bool:
        return bool(self.pattern.search(text))


def _standard_term(match: re.Match) -> Term:
    prefix, number, year = match.group(1).upper(), match.group(2), match.group(3)
    label = f"{prefix} {number}" + (f"-{year}" if year else "")
    base = prefix.split("/")[0]
    fields = {
        STANDARD_FIELDS[key]
        for key in (base, f"{base} {number}", f"{base} {number[:2]}")
        if key in STANDARD_FIELDS
    }
    slash = re.escape(prefix).replace("/", r"\s*/\s*")
    pattern = re.compile(rf"(?<![A-Za-z]){slash}\s*{re.escape(number)}(?![\d.])", re.IGNORECASE)
    return Term(
        key=f"{prefix} {number}", label=label, fields=tuple(sorted(fields)), pattern=pattern
    )


def need_terms(text: str) -> list[Term]:
    """The domain terms of a need, in the order they appear, each concept once. Words
    outside the vocabulary (帮助, 分析, 原因, "help", "cause") are never terms."""
    text = text or ""
    spans: list[tuple[int, int, Term]] = []
    for match in STANDARD_RE.finditer(text):
        spans.append((match.start(), match.end(), _standard_term(match)))
    for index, concept in enumerate(CONCEPTS):
        for match in concept.pattern.finditer(text):
            term = Term(f"#{index}", match.group(0).strip(), concept.fields, concept.pattern)
            spans.append((match.start(), match.end(), term))
    # Longest first; a span overlapping one already taken is dropped (制动盘 over 制动,
    # "GB/T 34422" over "34422" found as nothing else).
    taken: list[tuple[int, int, Term]] = []
    for span in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(span[1] <= other[0] or span[0] >= other[1] for other in taken):
            taken.append(span)
    terms: dict[str, Term] = {}
    for _start, _end, term in sorted(taken, key=lambda s: s[0]):
        terms.setdefault(term.key, term)
    return list(terms.values())


def need_fields(terms: list[Term]) -> set[str]:
    """The fields a need concerns: those most of its terms point to."""
    counts = Counter(code for term in terms for code in term.fields)
    if not counts:
        return set()
    top = max(counts.values())
    return {code for code, count in counts.items() if count == top}
