"""Reads for the institution and expert pages."""

from __future__ import annotations

from django.db.models import QuerySet
from wagtail.models import Locale

from events.models import ActivityPage
from experts.models import Expert, InstitutionIndexPage, InstitutionPage, Lab
from portal.choices import District, Field, Service


def expert_list(*, service: str = "", field: str = "") -> QuerySet[Expert]:
    """Published, active experts, optionally those offering a service or covering a field."""
    qs = (
        Expert.objects.filter(live=True, is_active=True)
        .select_related("photo")
        .prefetch_related("services", "fields", "photo__renditions")
        .order_by("sort_order", "name")
    )
    if service in Service.values:
        qs = qs.filter(services__code=service)
    if field in Field.values:
        qs = qs.filter(fields__code=field)
    return qs.distinct()


def institution_list(
    *, index: InstitutionIndexPage, district: str = "", field: str = ""
) -> QuerySet[InstitutionPage]:
    qs = (
        InstitutionPage.objects.child_of(index)
        .live()
        .select_related("logo")
        .prefetch_related("fields", "logo__renditions")
        .order_by("title")
    )
    if district in District.values:
        qs = qs.filter(district=district)
    if field in Field.values:
        qs = qs.filter(fields__code=field)
    return qs.distinct()


def lab_list_for_institution(*, page: InstitutionPage) -> list[Lab]:
    """Labs of an institution in any language: they live on the default-language page."""
    return list(
        Lab.objects.filter(
            institution__translation_key=page.translation_key,
            institution__locale_id=Locale.get_default().pk,
        ).order_by("sort_order", "pk")
    )


def institution_detail_context(*, page: InstitutionPage) -> dict:
    source_ids = InstitutionPage.objects.filter(translation_key=page.translation_key).values("pk")
    activities = list(
        ActivityPage.objects.live()
        .filter(locale_id=page.locale_id, institution_id__in=source_ids)
        .order_by("title")
    )
    return {"labs": lab_list_for_institution(page=page), "hosted_activities": activities}
