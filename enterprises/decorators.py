"""View decorator: the signed-in user must act for an enterprise."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from enterprises.selectors import enterprise_for_user


def enterprise_required(view):
    """Sets ``request.enterprise``; sends visitors to sign in and users without an approved
    enterprise to the page where they create or join one."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        enterprise = enterprise_for_user(user=request.user)
        if enterprise is None:
            messages.info(
                request,
                _("To book experts or lab visits, first create or join your enterprise profile."),
            )
            return redirect("enterprises:start")
        request.enterprise = enterprise
        return view(request, *args, **kwargs)

    return wrapper
