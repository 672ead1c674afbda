from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from experts.models import Expert


class ExpertViewSet(SnippetViewSet):
    model = Expert
    icon = "user"
    menu_label = _("Expert team")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "title", "organisation", "is_active", "live"]
    list_filter = ["is_active", "services", "fields", "district", "zone"]
    search_fields = ["name", "name_en", "title", "organisation"]
    list_export = ["name", "name_en", "title", "organisation", "district", "is_active"]


register_snippet(ExpertViewSet)
