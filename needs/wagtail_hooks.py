"""The needs' viewset in the admin menu group "Enterprise services"
(``enterprises.admin_menu``)."""

from wagtail import hooks

from needs.admin_views import NeedViewSet


@hooks.register("register_admin_viewset")
def register_need_viewset():
    return NeedViewSet()
