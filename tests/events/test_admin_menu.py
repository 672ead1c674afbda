"""Check-in staff find the check-in screen from the admin menu; others do not see it."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import UserFactory


def test_checkin_link_in_admin_menu_for_checkin_staff_only(client, site_tree):
    checkin_url = reverse("events:checkin_home")
    client.force_login(UserFactory(groups=["Check-in staff"]))
    assert checkin_url in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(UserFactory(groups=["Regulator editors"]))
    assert checkin_url not in client.get(reverse("wagtailadmin_home")).content.decode()
