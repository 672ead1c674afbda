"""Vocabularies shared by the apps: Chongqing's districts and counties, its national-level
functional zones, the sector's fields as the regional plan names them, and the services of
the expert team."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.TextChoices):
    """The 38 district-level units of Chongqing: 26 districts (区), 8 counties (县) and
    4 autonomous counties (自治县), in the order of their administrative division codes
    (GB/T 2260, ``DISTRICT_CODES``). Stored values are pinyin slugs; the first nine were
    stored before this list was completed and never change."""

    WANZHOU = "wanzhou", _("Wanzhou District")
    FULING = "fuling", _("Fuling District")
    YUZHONG = "yuzhong", _("Yuzhong District")
    DADUKOU = "dadukou", _("Dadukou District")
    JIANGBEI = "jiangbei", _("Jiangbei District")
    SHAPINGBA = "shapingba", _("Shapingba District")
    JIULONGPO = "jiulongpo", _("Jiulongpo District")
    NANAN = "nanan", _("Nan'an District")
    BEIBEI = "beibei", _("Beibei District")
    QIJIANG = "qijiang", _("Qijiang District")
    DAZU = "dazu", _("Dazu District")
    YUBEI = "yubei", _("Yubei District")
    BANAN = "banan", _("Banan District")
    QIANJIANG = "qianjiang", _("Qianjiang District")
    CHANGSHOU = "changshou", _("Changshou District")
    JIANGJIN = "jiangjin", _("Jiangjin District")
    HECHUAN = "hechuan", _("Hechuan District")
    YONGCHUAN = "yongchuan", _("Yongchuan District")
    NANCHUAN = "nanchuan", _("Nanchuan District")
    BISHAN = "bishan", _("Bishan District")
    TONGLIANG = "tongliang", _("Tongliang District")
    TONGNAN = "tongnan", _("Tongnan District")
    RONGCHANG = "rongchang", _("Rongchang District")
    KAIZHOU = "kaizhou", _("Kaizhou District")
    LIANGPING = "liangping", _("Liangping District")
    WULONG = "wulong", _("Wulong District")
    CHENGKOU = "chengkou", _("Chengkou County")
    FENGDU = "fengdu", _("Fengdu County")
    DIANJIANG = "dianjiang", _("Dianjiang County")
    ZHONGXIAN = "zhongxian", _("Zhong County")
    YUNYANG = "yunyang", _("Yunyang County")
    FENGJIE = "fengjie", _("Fengjie County")
    WUSHAN = "wushan", _("Wushan County")
    WUXI = "wuxi", _("Wuxi County")
    SHIZHU = "shizhu", _("Shizhu Tujia Autonomous County")
    XIUSHAN = "xiushan", _("Xiushan Tujia and Miao Autonomous County")
    YOUYANG = "youyang", _("Youyang Tujia and Miao Autonomous County")
    PENGSHUI = "pengshui", _("Pengshui Miao and Tujia Autonomous County")


# Administrative division codes (GB/T 2260) of the districts: 5001xx districts, 5002xx
# counties and autonomous counties. Gaps are codes retired when counties became districts.
DISTRICT_CODES: dict[str, str] = {
    "500101": District.WANZHOU,
    "500102": District.FULING,
    "500103": District.YUZHONG,
    "500104": District.DADUKOU,
    "500105": District.JIANGBEI,
    "500106": District.SHAPINGBA,
    "500107": District.JIULONGPO,
    "500108": District.NANAN,
    "500109": District.BEIBEI,
    "500110": District.QIJIANG,
    "500111": District.DAZU,
    "500112": District.YUBEI,
    "500113": District.BANAN,
    "500114": District.QIANJIANG,
    "500115": District.CHANGSHOU,
    "500116": District.JIANGJIN,
    "500117": District.HECHUAN,
    "500118": District.YONGCHUAN,
    "500119": District.NANCHUAN,
    "500120": District.BISHAN,
    "500151": District.TONGLIANG,
    "500152": District.TONGNAN,
    "500153": District.RONGCHANG,
    "500154": District.KAIZHOU,
    "500155": District.LIANGPING,
    "500156": District.WULONG,
    "500229": District.CHENGKOU,
    "500230": District.FENGDU,
    "500231": District.DIANJIANG,
    "500233": District.ZHONGXIAN,
    "500235": District.YUNYANG,
    "500236": District.FENGJIE,
    "500237": District.WUSHAN,
    "500238": District.WUXI,
    "500240": District.SHIZHU,
    "500241": District.XIUSHAN,
    "500242": District.YOUYANG,
    "500243": District.PENGSHUI,
}

# Codes of counties and county-level cities that have since become districts. A credit
# code keeps the region code of the authority that issued it (GB 32100), so licences issued
# before a change still carry the old code. (500110 and 500111 were also 万盛区 and 双桥区
# before they merged into 綦江区 and 大足区 in 2011, which took those codes over.)
FORMER_DISTRICT_CODES: dict[str, str] = {
    "500221": District.CHANGSHOU,  # 长寿县, a district since 2001
    "500222": District.QIJIANG,  # 綦江县, merged into 綦江区 in 2011
    "500223": District.TONGNAN,  # 潼南县, 2015
    "500224": District.TONGLIANG,  # 铜梁县, 2014
    "500225": District.DAZU,  # 大足县, merged into 大足区 in 2011
    "500226": District.RONGCHANG,  # 荣昌县, 2015
    "500227": District.BISHAN,  # 璧山县, 2014
    "500228": District.LIANGPING,  # 梁平县, 2016
    "500232": District.WULONG,  # 武隆县, 2016
    "500234": District.KAIZHOU,  # 开县, 2016
    "500381": District.JIANGJIN,  # 江津市, 2006
    "500382": District.HECHUAN,  # 合川市, 2006
    "500383": District.YONGCHUAN,  # 永川市, 2006
    "500384": District.NANCHUAN,  # 南川市, 2006
}


def district_for_region_code(code: str) -> str:
    """The district of a 6-digit Chongqing region code, or "" for any other code (another
    province, or 500000 / 500100 issued at city level, which name no district)."""
    return DISTRICT_CODES.get(code) or FORMER_DISTRICT_CODES.get(code) or ""


def region_districts() -> dict[str, str]:
    """Every Chongqing region code a credit code may carry, current and former, with its
    district (for the enterprise form's script)."""
    return {**FORMER_DISTRICT_CODES, **DISTRICT_CODES}


def district_from_credit_code(credit_code: str) -> str:
    """The district whose authority issued a unified social credit code, from its region
    code (characters 3-8, GB 32100-2015): ``91500113...`` gives 巴南区. "" when the code
    is too short or the region is not a Chongqing district. The code is not validated
    here; blanks and hyphens are ignored."""
    compact = "".join(ch for ch in (credit_code or "") if ch not in " -").upper()
    if len(compact) < 8:
        return ""
    return district_for_region_code(compact[2:8])


class Zone(models.TextChoices):
    """National-level functional zones (功能区) in Chongqing. A zone spans parts of one or
    more districts, so it is recorded beside the district, never instead of it."""

    LIANGJIANG = "liangjiang", _("Liangjiang New Area")
    GAOXIN = "gaoxin", _("Western Science City Chongqing High-tech Zone")
    JINGKAI = "jingkai", _("Chongqing Economic and Technological Development Zone")
    WANZHOU_ETDZ = "wanzhou_etdz", _("Wanzhou Economic and Technological Development Zone")
    CHANGSHOU_ETDZ = "changshou_etdz", _("Changshou Economic and Technological Development Zone")
    BISHAN_HTZ = "bishan_htz", _("Bishan High-tech Zone")
    YONGCHUAN_HTZ = "yongchuan_htz", _("Yongchuan High-tech Zone")
    RONGCHANG_HTZ = "rongchang_htz", _("Rongchang High-tech Zone")


def area_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """One filter for where things are: the districts, then the functional zones, as
    grouped choices (``<optgroup>``). The query keeps the name ``district``, so links made
    when zones were districts (``?district=liangjiang``) still find the same rows."""
    return [
        (str(_("Districts and counties")), list(District.choices)),
        (str(_("Functional zones")), list(Zone.choices)),
    ]


def area_filter(value: str, *, prefix: str = "") -> dict[str, str]:
    """Lookup keyword arguments for an area chosen with ``area_choices``: a district
    filters ``district``, a zone ``zone`` (under ``prefix``, e.g. ``"enterprise__"``);
    anything else gives ``{}`` (no filter)."""
    if value in District.values:
        return {f"{prefix}district": value}
    if value in Zone.values:
        return {f"{prefix}zone": value}
    return {}


class Field(models.TextChoices):
    """The testing fields of the Chongqing plan for the testing and inspection service
    industry 2023-2027 (渝府办发〔2023〕98号): the seventeen midstream fields of its table
    of targets (专栏3, rows 4-20), in the plan's order. The ten values stored before keep
    their codes; each maps to the plan field of the same subject."""

    AUTOMOTIVE = "automotive", _("Automotive (motorcycle) testing")
    ELECTRONICS = "electronics", _("Electronic information testing")
    MATERIALS = "materials", _("Advanced materials testing")
    EQUIPMENT = "equipment", _("Intelligent equipment testing")
    SOFTWARE = "software", _("Software and ICT services testing")
    METROLOGY = "metrology", _("Metrological verification, calibration and testing")
    AGRICULTURE = "agriculture", _("Agricultural testing")
    FOOD = "food", _("Food safety testing")
    CONSUMER = "consumer", _("General industrial products (consumer goods) testing")
    ENERGY = "energy", _("Resources and energy testing")
    ENVIRONMENT = "environment", _("Ecology and environment testing")
    MEDICAL = "medical", _("Biomedicine testing")
    HEALTH = "health", _("Medical and health testing")
    SAFETY = "safety", _("Safety testing and assessment")
    ENGINEERING = "engineering", _("Construction engineering testing")
    FORENSIC = "forensic", _("Judicial and forensic appraisal")
    SPECIAL_EQUIPMENT = "special_equipment", _("Special equipment safety testing")


class Service(models.TextChoices):
    """What the volunteer expert team offers enterprises."""

    CONSULTING = "consulting", _("Technical consulting")
    DIAGNOSIS = "diagnosis", _("Quality diagnosis")
    CERTIFICATION = "certification", _("Certification support")


class ProductCategory(models.TextChoices):
    """Kinds of consumer products the regulator's consumer warnings (消费提示) are about,
    grouped as market regulators publish them."""

    ELECTRIC_BICYCLES = "electric_bicycles", _("Electric bicycles, batteries and chargers")
    HOUSEHOLD_APPLIANCES = "household_appliances", _("Household electrical appliances")
    CHILDREN = "children", _("Children's products and toys")
    FOOD_CONTACT = "food_contact", _("Food contact materials and kitchenware")
    FOOD = "food", _("Food")
    COSMETICS = "cosmetics", _("Cosmetics")
    TEXTILES = "textiles", _("Clothing and textiles")
    HOME_BUILDING = "home_building", _("Furniture and building materials")
    VEHICLES = "vehicles", _("Cars, motorcycles and parts")
    OTHER = "other", _("Other products")
