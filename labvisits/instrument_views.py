"""The shared-instrument catalogue (大型仪器共享): the list with its filters and an
instrument's page with its free machine time. Requesting machine time is the lab-visit
request of the chosen slot (``labvisits.views.request_visit``), which asks anonymous users
to sign in and comes back."""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from labvisits.selectors import (
    institution_titles,
    instrument_free_slots,
    instrument_institutions,
    instrument_list,
)
from portal.choices import Field

PAGE_SIZE = 12


@require_GET
def instrument_catalogue(request: HttpRequest) -> HttpResponse:
    field = request.GET.get("field", "")
    if field not in Field.values:
        field = ""
    raw_institution = request.GET.get("institution", "")
    institution_id = (
        int(raw_institution) if raw_institution.isascii() and raw_institution.isdigit() else None
    )
    query = request.GET.get("q", "").strip()[:100]
    paginator = Paginator(
        instrument_list(field=field, institution_id=institution_id, query=query), PAGE_SIZE
    )
    try:
        page_obj = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        page_obj = paginator.page(1)
    except EmptyPage:
        page_obj = paginator.page(paginator.num_pages)
    instruments = list(page_obj.object_list)
    institutions = instrument_institutions()
    pages = institution_titles(institutions=[i.institution for i in instruments] + institutions)
    for instrument in instruments:
        instrument.institution_page = pages[instrument.institution_id]
    return render(
        request,
        "labvisits/instrument_list.html",
        {
            "instruments": instruments,
            "page_obj": page_obj,
            "field_choices": Field.choices,
            "institution_choices": [(str(i.pk), pages[i.pk].title) for i in institutions],
            "current_field": field,
            "current_institution": str(institution_id or ""),
            "query": query,
            "filtered": bool(field or institution_id or query),
        },
    )


@require_GET
def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = instrument_list().filter(pk=pk).first()
    if instrument is None:
        raise Http404
    institution = institution_titles(institutions=[instrument.institution])[
        instrument.institution_id
    ]
    return render(
        request,
        "labvisits/instrument_detail.html",
        {
            "instrument": instrument,
            "institution": institution,
            "slots": instrument_free_slots(instrument=instrument),
        },
    )
