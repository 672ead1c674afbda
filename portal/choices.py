"""Vocabularies shared by the apps: districts and the sector's fields."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.TextChoices):
    YUZHONG = "yuzhong", _("Yuzhong District")
    JIANGBEI = "jiangbei", _("Jiangbei District")
    NANAN = "nanan", _("Nan'an District")
    JIULONGPO = "jiulongpo", _("Jiulongpo District")
    SHAPINGBA = "shapingba", _("Shapingba District")
    DADUKOU = "dadukou", _("Dadukou District")
    BEIBEI = "beibei", _("Beibei District")
    YUBEI = "yubei", _("Yubei District")
    BANAN = "banan", _("Banan District")
    LIANGJIANG = "liangjiang", _("Liangjiang New Area")
    GAOXIN = "gaoxin", _("Western Science City Chongqing High-tech Zone")


class Field(models.TextChoices):
    """Fields of the testing and inspection sector named in the regional plan."""

    AUTOMOTIVE = "automotive", _("Automotive and motorcycles")
    ELECTRONICS = "electronics", _("Electronics and information")
    MATERIALS = "materials", _("Advanced materials")
    FOOD = "food", _("Food and agricultural products")
    ENVIRONMENT = "environment", _("Ecology and environment")
    MEDICAL = "medical", _("Medicines and medical devices")
    ENGINEERING = "engineering", _("Construction engineering")
    EQUIPMENT = "equipment", _("Equipment manufacturing")
    ENERGY = "energy", _("Energy and chemicals")
    CONSUMER = "consumer", _("Consumer goods")


class Service(models.TextChoices):
    """What the volunteer expert team offers enterprises."""

    CONSULTING = "consulting", _("Technical consulting")
    DIAGNOSIS = "diagnosis", _("Quality diagnosis")
    CERTIFICATION = "certification", _("Certification support")
