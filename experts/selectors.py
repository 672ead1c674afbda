"""Reads for the institution and expert pages."""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from wagtail.models import Locale, Page
from wagtail.search.backends import get_search_backend

from cms.search import SearchHit
from experts.models import (
    CmaStatus,
    Expert,
    ExpertRosterPage,
    HostKind,
    InstitutionIndexPage,
    InstitutionPage,
    Lab,
)
from experts.registry import institution_sections
from portal.choices import Field, Service, area_filter


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


def user_is_expert(*, user: AbstractBaseUser) -> bool:
    """Whether ``user``'s account is linked to an expert profile (``portal.roles``)."""
    return Expert.objects.filter(user=user).exists()


def institution_list(
    *,
    index: InstitutionIndexPage,
    district: str = "",
    field: str = "",
    cnas: bool = False,
    valid_only: bool = False,
    kind: str = "",
    today: datetime.date | None = None,
) -> QuerySet[InstitutionPage]:
    """Published institutions under ``index``. ``district`` is a district or a functional
    zone (``portal.choices.area_filter``); ``cnas`` keeps CNAS-accredited ones;
    ``valid_only`` those whose CMA certificate is valid today (not suspended, revoked or
    past its validity date). Unknown filter values are ignored."""
    qs = (
        InstitutionPage.objects.child_of(index)
        .live()
        .select_related("logo")
        .prefetch_related("fields", "logo__renditions")
        .order_by("title")
    )
    qs = qs.filter(**area_filter(district))
    if field in Field.values:
        qs = qs.filter(fields__code=field)
    if cnas:
        qs = qs.filter(cnas_accredited=True)
    if kind in HostKind.values:
        qs = qs.filter(kind=kind)
    if valid_only:
        today = today or timezone.localdate()
        qs = qs.filter(kind=HostKind.ACCREDITED, cma_status=CmaStatus.VALID).filter(
            Q(cma_expires_on__isnull=True) | Q(cma_expires_on__gte=today)
        )
    return qs.distinct()


def lab_list_for_institution(*, page: InstitutionPage) -> list[Lab]:
    """Labs of an institution in any language: they live on the default-language page."""
    return list(
        Lab.objects.filter(
            institution__translation_key=page.translation_key,
            institution__locale_id=Locale.get_default().pk,
        ).order_by("sort_order", "pk")
    )


def labs_by_institution(*, pages: list[InstitutionPage]) -> dict[object, list[Lab]]:
    """The labs of several institutions in one query, by the institution's translation key
    (so a page in any language finds its labs); an institution without labs is absent."""
    labs: dict[object, list[Lab]] = {}
    rows = (
        Lab.objects.filter(
            institution__translation_key__in=[page.translation_key for page in pages],
            institution__locale_id=Locale.get_default().pk,
        )
        .select_related("institution")
        .order_by("sort_order", "pk")
    )
    for lab in rows:
        labs.setdefault(lab.institution.translation_key, []).append(lab)
    return labs


def institution_detail_context(*, page: InstitutionPage) -> dict:
    """The institution's labs, then the registered sections (``experts.registry``: the
    activities it hosts)."""
    context = {"labs": lab_list_for_institution(page=page)}
    for section in institution_sections():
        context.update(section(page))
    return context


def home_experts_context(page: Page) -> dict:
    """The home page's experts and the roster page in its language (a section of
    ``cms.registry``)."""
    return {
        "experts": list(expert_list()[:6]),
        "roster_page": ExpertRosterPage.objects.live().filter(locale=page.locale).first(),
    }


def expert_search(*, terms: str, locale: Locale, limit: int) -> list[SearchHit]:
    """Published experts matching every word of ``terms``, linked to their profile on the
    roster page in ``locale`` (none without one): a source of the site search."""
    roster = ExpertRosterPage.objects.live().filter(locale=locale).first()
    if roster is None:
        return []
    # Expert's manager is not a searchable queryset: ask the search backend directly.
    experts = get_search_backend().search(terms, expert_list(), operator="and")[:limit]
    return [
        SearchHit(
            title=f"{e.display_name} · {e.display_title}",
            url=roster.expert_url(e),
            summary=e.display_organisation,
            kind=str(e._meta.verbose_name),
        )
        for e in experts
    ]
