"""The rating page, reached by the signed link of the request to rate (no sign-in)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.errors import DomainError
from ratings.forms import RatingForm
from ratings.kinds import UnknownKindError, kind_for
from ratings.links import rating_token_read
from ratings.selectors import rating_for
from ratings.services import rating_refusal, rating_submit

app_name = "ratings"


@require_http_methods(["GET", "POST"])
def rate_view(request: HttpRequest, token: str) -> HttpResponse:
    read = rating_token_read(token)
    if read is None:
        return render(request, "ratings/link_invalid.html", status=404)
    kind_name, object_id = read
    try:
        rateable = kind_for(kind_name)
    except UnknownKindError:
        raise Http404 from None
    obj = rateable.get(object_id)
    if obj is None:
        raise Http404
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rating_submit(
                kind=kind_name,
                object_id=object_id,
                level=form.cleaned_data["level"],
                comment=form.cleaned_data["comment"],
                by=request.user,
                by_link=True,
            )
        except DomainError as error:
            if error.code != "already_rated":
                form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect(request.path)
    rating = rating_for(kind=kind_name, object_id=object_id)
    refusal = None
    if rating is None:
        refusal = rating_refusal(kind=kind_name, object_id=object_id, by_link=True)
    return render(
        request,
        "ratings/rate.html",
        {
            "title": rateable.title(obj),
            "kind_label": rateable.label,
            "rating": rating,
            "refusal": refusal,
            "form": form,
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


urlpatterns = [path("<str:token>/", rate_view, name="rate")]
