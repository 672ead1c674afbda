from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html
from tests import factories
def test_x(site_tree, client, superuser):
    a = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    s = factories.SessionFactory(activity=a)
    client.force_login(superuser)
    r = client.get(reverse("wagtailadmin_pages:edit", args=[a.pk]))
    print(r.status_code)
    data = querydict_from_html(r.content.decode(), form_id="page-edit-form")
    for k, v in data.lists():
        print("F", k, v[:1])
