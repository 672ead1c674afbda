"""An expert's availability page (also opened by staff on the expert's behalf) and the
expert matching page for enterprises. Views parse input, call one service and render or
redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consultations.forms import need_query
from consultations.forms_availability import (
    ExceptionForm,
    MatchForm,
    SingleBlockForm,
    WeeklyRuleForm,
)
from consultations.models import Availability, AvailabilityException
from consultations.selectors import (
    availability_list_for_expert,
    exception_list_for_expert,
    slot_list_for_expert,
)
from consultations.services.availability import (
    AvailabilityError,
    availability_can_manage,
    availability_create,
    availability_delete,
    exception_create,
    exception_delete,
)
from consultations.services.matching import experts_match
from enterprises.selectors import enterprise_for_user
from experts.models import Expert

FORM_PREFIXES = {"weekly": "weekly", "single": "single", "exception": "exception"}


@login_required
@require_http_methods(["GET", "POST"])
def availability_mine(request: HttpRequest) -> HttpResponse:
    expert = Expert.objects.filter(user=request.user).first()
    if expert is None:
        raise Http404
    return _availability_page(request, expert=expert, own=True)


@login_required
@require_http_methods(["GET", "POST"])
def availability_for(request: HttpRequest, expert_id: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=expert_id)
    # 404, not 403: whoever may not manage this expert does not learn that it exists.
    if not availability_can_manage(user=request.user, expert=expert):
        raise Http404
    return _availability_page(request, expert=expert, own=expert.user_id == request.user.pk)


def _availability_page(request: HttpRequest, *, expert: Expert, own: bool) -> HttpResponse:
    forms = {
        "weekly": WeeklyRuleForm(expert=expert, prefix="weekly"),
        "single": SingleBlockForm(expert=expert, prefix="single"),
        "exception": ExceptionForm(prefix="exception"),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _availability_post(request, expert=expert, action=action, forms=forms)
        except AvailabilityError as error:
            form = forms.get(action)
            if form is None:
                messages.error(request, error.message)
                return redirect(request.path)
            form.add_error(None, error.message)
            done = False
        if done:
            return redirect(request.path)
        status = 400
    context = {
        "expert": expert,
        "own": own,
        "rules": availability_list_for_expert(expert=expert),
        "exceptions": exception_list_for_expert(expert=expert),
        "slots": slot_list_for_expert(expert=expert),
        "weekly_form": forms["weekly"],
        "single_form": forms["single"],
        "exception_form": forms["exception"],
        "page": None,
    }
    return render(request, "consultations/availability/manage.html", context, status=status)


def _availability_post(request: HttpRequest, *, expert: Expert, action: str, forms: dict) -> bool:
    """Carries out one POST action; False when a form has errors (put on that form)."""
    user = request.user
    if action == "delete_rule":
        rule = get_object_or_404(Availability, pk=_int(request.POST.get("id")), expert=expert)
        availability_delete(availability=rule, by=user)
        messages.success(request, _("The available time was removed. Booked slots are kept."))
        return True
    if action == "delete_exception":
        exception = get_object_or_404(
            AvailabilityException, pk=_int(request.POST.get("id")), expert=expert
        )
        exception_delete(exception=exception, by=user)
        messages.success(request, _("The unavailable time was removed."))
        return True
    if action in ("weekly", "single"):
        form_class = WeeklyRuleForm if action == "weekly" else SingleBlockForm
        form = form_class(request.POST, expert=expert, prefix=action)
        forms[action] = form
        if not form.is_valid():
            return False
        data = form.cleaned_data
        weekly = action == "weekly"
        availability_create(
            expert=expert,
            by=user,
            kind=form.kind,
            weekday=data["weekday"] if weekly else None,
            start_date=data["start_date"] if weekly else data["date"],
            end_date=data["end_date"] if weekly else data["date"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            slot_minutes=data["slot_minutes"],
            mode=data["mode"],
            services=data["services"],
            note=data["note"],
        )
        messages.success(request, _("The available time was added and its slots published."))
        return True
    if action == "exception":
        form = ExceptionForm(request.POST, prefix="exception")
        forms["exception"] = form
        if not form.is_valid():
            return False
        exception_create(expert=expert, by=user, **form.cleaned_data)
        messages.success(request, _("The unavailable time was added; its free slots were removed."))
        return True
    raise Http404


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@require_GET
def match(request: HttpRequest) -> HttpResponse:
    """Experts ranked for an enterprise's need; the district defaults to the enterprise's."""
    matches = None
    if "service" in request.GET:
        form = MatchForm(request.GET)
        if form.is_valid():
            data = form.cleaned_data
            matches = experts_match(
                service=data["service"],
                field=data["field"],
                district=data["district"],
                text=" ".join(filter(None, [data["product"], data["text"]])),
            )
    else:
        enterprise = enterprise_for_user(user=request.user)
        initial = {}
        if enterprise is not None:
            initial = {"district": enterprise.district, "field": enterprise.industry}
        form = MatchForm(initial=initial)
    context = {"form": form, "matches": matches, "page": None}
    if matches is not None:
        data = form.cleaned_data
        context.update(
            service=data["service"],
            field=data["field"],
            # What the booking form is opened with: the service, field and the need as
            # typed, so nobody types it twice. Only in links to the (uncached, per-user)
            # booking form, never in a page URL others are served from a cache.
            carry=need_query(
                service=data["service"],
                field=data["field"],
                need=data["text"],
                product=data["product"],
            ),
        )
    return render(request, "consultations/match.html", context)


urlpatterns = [
    path("availability/", availability_mine, name="availability"),
    path("availability/<id:expert_id>/", availability_for, name="availability_for"),
    path("find-an-expert/", match, name="match"),
]
