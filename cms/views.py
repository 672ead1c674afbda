from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cms.search import site_search
from portal.query import query_text


def search(request: HttpRequest) -> HttpResponse:
    """Site search over pages and experts in the visitor's language."""
    query = query_text(request, "q", max_length=100)
    results = site_search(query=query) if query else []
    paginator = Paginator(results, 10)
    try:
        page_obj = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        page_obj = paginator.page(1)
    except EmptyPage:
        page_obj = paginator.page(paginator.num_pages)
    return render(
        request,
        "cms/search_results.html",
        {
            "query": query,
            "page_obj": page_obj,
            "results": page_obj.object_list,
            "result_count": len(results),
        },
    )
