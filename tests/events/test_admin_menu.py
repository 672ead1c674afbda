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


def test_checkin_staff_get_the_door_not_the_lists_of_every_session_nor_their_exports(
    client, site_tree
):
    from tests.factories import ActivityPageFactory, RegistrationFactory, SessionFactory

    activity = ActivityPageFactory(parent=site_tree.zh.campaign)
    registration = RegistrationFactory(session=SessionFactory(activity=activity))
    door = UserFactory(username="door-only", groups=["Check-in staff"])
    assert door.has_perm("events.check_in") and not door.has_perm("events.view_registration")
    client.force_login(door)
    session_list = reverse("open_day_registrations:session", args=[registration.session_id])
    for url in (session_list, session_list + "?export=csv", session_list + "?export=xlsx"):
        assert client.get(url).status_code in (302, 403)
    home = client.get(reverse("events:checkin_home"))
    assert home.status_code == 200
