from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from inbox.selectors import notification_ics, notification_list
from inbox.services import notification_mark_read


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "inbox/notification_list.html", {"page_obj": page})


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    raw_id = request.POST.get("notification", "")
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    notification_mark_read(
        user=request.user,
        notification_id=int(raw_id) if raw_id.isascii() and raw_id.isdigit() else None,
    )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        # Not redirect(): it would take a bare word such as "0" for a URL name to reverse.
        return HttpResponseRedirect(target)
    return redirect("inbox:notifications")


@login_required
def notification_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The calendar file a notice's e-mail carried ("the calendar file is attached"), for
    its recipient only; anyone else gets 404, as for a notice that has none."""
    notification = notification_ics(user=request.user, notification_id=pk)
    if notification is None:
        raise Http404
    method = notification.ics_method or "PUBLISH"
    response = HttpResponse(
        notification.ics, content_type=f"text/calendar; method={method}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="notice-{notification.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
