"""Public "open day in numbers" page (aggregated figures only, no personal data)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def open_day_in_numbers(request: HttpRequest) -> HttpResponse:
    return render(request, "stats/in_numbers.html", {})
