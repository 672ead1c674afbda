"""The data step of the migrations that turned the functional zones stored as districts
(``liangjiang``, ``gaoxin``) into a zone beside a real district. Used by migrations only:
frozen, do not change its behaviour (write a new migration instead).

Each zone moves to the district it mostly lies in:
- 两江新区 (Liangjiang New Area): 渝北区 (Yubei). Most of its built-up area and its
  administration are in Yubei; smaller parts lie in Jiangbei and Beibei.
- 西部科学城重庆高新区 (Chongqing High-tech Zone): 九龙坡区 (Jiulongpo). Five of the nine
  towns and subdistricts it administers directly (含谷, 金凤, 白市驿, 巴福, 走马) are in
  Jiulongpo, the others (西永, 曾家, 虎溪, 香炉山) in Shapingba; the old high-tech zone at
  Shiqiaopu is in Jiulongpo too.
Wagtail revisions of the rows are rewritten as well, so an editor who opens a page or
snippet sees the same district and zone as the published row.
"""

from __future__ import annotations

ZONE_DISTRICT = {"liangjiang": "yubei", "gaoxin": "jiulongpo"}


def _revisions(apps, app_label: str, model_name: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    content_type = ContentType.objects.filter(app_label=app_label, model=model_name).first()
    if content_type is None:
        return Revision.objects.none()
    return Revision.objects.filter(content_type_id=content_type.pk)


def zones_forward(app_label: str, model_name: str, *, revisions: bool):
    def run(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for zone, district in ZONE_DISTRICT.items():
            model.objects.filter(district=zone).update(district=district, zone=zone)
        if revisions:
            for revision in _revisions(apps, app_label, model_name).iterator():
                content = revision.content or {}
                zone = content.get("district")
                if zone in ZONE_DISTRICT:
                    content["district"], content["zone"] = ZONE_DISTRICT[zone], zone
                    revision.content = content
                    revision.save(update_fields=["content"])

    return run


def zones_backward(app_label: str, model_name: str, *, revisions: bool):
    def run(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for zone in ZONE_DISTRICT:
            model.objects.filter(zone=zone).update(district=zone, zone="")
        if revisions:
            for revision in _revisions(apps, app_label, model_name).iterator():
                content = revision.content or {}
                if content.get("zone") in ZONE_DISTRICT:
                    content["district"], content["zone"] = content["zone"], ""
                    revision.content = content
                    revision.save(update_fields=["content"])

    return run
