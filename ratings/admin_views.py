"""Staff in the Wagtail admin: every rating, with filters (service, level, low, handled),
and a "Mark handled" action on a low rating that has not been followed up.

The list names the rated thing by its kind's title and shows no rater: a comment may say
who wrote it, the rater's account does not need to. Seeing the list needs
``ratings.view_rating``; marking a rating handled needs ``ratings.change_rating``.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from portal.admin_views import ReadOnlyViewSetMixin, StaffExportMixin
from ratings.kinds import UnknownKindError, kind_choices, kind_for
from ratings.models import Level, Rating
from ratings.services import HANDLE_PERMISSION, rating_mark_handled

NAMESPACE = "ratings_ratings"


def url(name: str, *args) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


# Set on the ratings of a listed page by ``rated_prefetch``: the title of the rated
# thing, or None when it is gone.
RATED_ATTR = "_rated_title"
_MISSING = object()


def rated_prefetch(ratings: list[Rating]) -> None:
    """Fetch the titles of the rated things of ``ratings`` together, a few queries per
    kind (``RateableKind.titles``), for ``rated_label`` to use instead of asking per row."""
    by_kind: dict[str, list[Rating]] = {}
    for rating in ratings:
        by_kind.setdefault(rating.kind, []).append(rating)
    for name, group in by_kind.items():
        try:
            titles = kind_for(name).titles(rating.object_id for rating in group)
        except UnknownKindError:
            continue
        for rating in group:
            setattr(rating, RATED_ATTR, titles.get(rating.object_id))


def rated_label(rating: Rating) -> str:
    """What was rated: the kind's title of the thing, or its kind and id when it is gone."""
    try:
        kind = kind_for(rating.kind)
    except UnknownKindError:
        return f"{rating.kind} {rating.object_id}"
    title = getattr(rating, RATED_ATTR, _MISSING)
    if title is _MISSING:
        obj = kind.get(rating.object_id)
        title = kind.title(obj) if obj is not None else None
    if title is None:
        return f"{kind.label} {rating.object_id}"
    return title


def kind_label(rating: Rating) -> str:
    try:
        return str(kind_for(rating.kind).label)
    except UnknownKindError:
        return rating.kind


def follow_up_label(rating: Rating) -> str:
    if not rating.flagged:
        return ""
    return _("Handled") if rating.handled_at else _("To follow up")


class RatingFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Service"), choices=kind_choices)
    level = django_filters.ChoiceFilter(label=gettext_lazy("Rating"), choices=Level.choices)
    flagged = django_filters.BooleanFilter(label=gettext_lazy("Low rating"))
    handled = django_filters.BooleanFilter(
        label=gettext_lazy("Handled"), field_name="handled_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Rating
        fields = []


class RatingIndexView(StaffExportMixin, generic.IndexView):
    def get_base_queryset(self):
        return Rating.objects.select_related("institution", "expert", "handled_by")

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        # One list of instances for the table and the prefetch (the page's queryset would
        # build new ones each time it is read).
        page.object_list = object_list = list(object_list)
        rated_prefetch(object_list)
        return paginator, page, object_list, is_paginated

    @cached_property
    def columns(self):
        columns = list(super().columns)
        columns[0] = self._get_title_column_class(TitleColumn)(
            "rated",
            label=gettext_lazy("Rated service"),
            accessor=rated_label,
            get_url=lambda instance: None,
        )
        return columns

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if (
            instance.flagged
            and instance.handled_at is None
            and self.request.user.has_perm(HANDLE_PERMISSION)
        ):
            buttons.append(
                MenuItem(_("Mark handled"), url=url("handle", instance.pk), icon_name="tick")
            )
        return buttons

    def to_row_dict(self, item: Rating) -> dict:
        return {
            "rated": rated_label(item),
            "kind": kind_label(item),
            "level": item.get_level_display(),
            "comment": item.comment,
            "institution": item.institution.title if item.institution_id else "",
            "expert": item.expert.name if item.expert_id else "",
            "created_at": item.created_at,
            "follow_up": follow_up_label(item),
            "handled_at": item.handled_at,
        }


class RatingHandleView(WagtailAdminTemplateMixin, TemplateView):
    """GET asks for confirmation; POST records that the low rating was followed up."""

    template_name = "ratings/admin/handle.html"
    header_icon = "tick"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(HANDLE_PERMISSION):
            raise PermissionDenied
        self.rating = get_object_or_404(Rating, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Mark a low rating handled")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Ratings")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rating=self.rating, rated=rated_label(self.rating), back_url=url("index"), **kwargs
        )

    def post(self, request, *args, **kwargs):
        if rating_mark_handled(rating_id=self.rating.pk, by=request.user):
            messages.success(request, _("The rating is marked handled."))
        else:
            messages.warning(request, _("This rating needs no follow-up."))
        return redirect(url("index"))


class RatingViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = Rating
    name = NAMESPACE
    url_prefix = "ratings/ratings"
    icon = "pick"
    menu_label = gettext_lazy("Ratings")
    menu_order = 216
    add_to_admin_menu = True
    index_view_class = RatingIndexView
    copy_view_enabled = False
    add_to_reference_index = False
    filterset_class = RatingFilterSet
    ordering = "-created_at"
    list_display = [
        Column("rated", label=gettext_lazy("Rated service"), accessor=rated_label),
        Column("kind", label=gettext_lazy("Service"), accessor=kind_label),
        StatusTagColumn(
            "level",
            label=gettext_lazy("Rating"),
            accessor="get_level_display",
            primary=lambda r: not r.flagged,
            sort_key="level",
        ),
        Column("comment", label=gettext_lazy("Comment")),
        DateColumn("created_at", label=gettext_lazy("Rated at"), sort_key="created_at"),
        Column("follow_up", label=gettext_lazy("Follow-up"), accessor=follow_up_label),
    ]
    list_export = [
        "rated",
        "kind",
        "level",
        "comment",
        "institution",
        "expert",
        "created_at",
        "follow_up",
        "handled_at",
    ]
    export_headings = {
        "rated": gettext_lazy("Rated service"),
        "kind": gettext_lazy("Service"),
        "level": gettext_lazy("Rating"),
        "comment": gettext_lazy("Comment"),
        "institution": gettext_lazy("Institution"),
        "expert": gettext_lazy("Expert"),
        "created_at": gettext_lazy("Rated at"),
        "follow_up": gettext_lazy("Follow-up"),
        "handled_at": gettext_lazy("Handled at"),
    }
    export_filename = "ratings"

    def get_extra_urlpatterns(self):
        return [path("<id:pk>/handle/", RatingHandleView.as_view(), name="handle")]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="ratings", codename__in=["view_rating", "change_rating"]
        )
