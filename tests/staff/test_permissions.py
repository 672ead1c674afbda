"""The data migrations give regulator staff what the "Enterprise services" admin needs, and
institution contacts nothing in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from tests import factories

pytestmark = pytest.mark.django_db

SHARED = {
    "enterprises.view_enterprise",
    "enterprises.view_membership",
    "consultations.view_consultation",
    "consultations.add_availability",
    "consultations.change_availability",
    "consultations.delete_availability",
    "consultations.add_availabilityexception",
    "consultations.change_availabilityexception",
    "consultations.delete_availabilityexception",
    "labvisits.view_labvisit",
    "labvisits.view_visitslot",
    "labvisits.add_visitslot",
    "labvisits.change_visitslot",
    "labvisits.delete_visitslot",
}
APPROVERS_ONLY = {
    "enterprises.change_enterprise",
    "consultations.change_consultation",
    "consultations.assign_consultation",
}


def test_regulator_approvers_see_everything_and_may_verify_and_assign():
    approver = factories.UserFactory(groups=["Regulator approvers"])
    for permission in SHARED | APPROVERS_ONLY:
        assert approver.has_perm(permission), permission


def test_regulator_editors_see_and_manage_slots_but_neither_verify_nor_assign():
    editor = factories.UserFactory(groups=["Regulator editors"])
    for permission in SHARED:
        assert editor.has_perm(permission), permission
    for permission in APPROVERS_ONLY:
        assert not editor.has_perm(permission), permission


def test_institution_contacts_group_exists_with_nothing_in_the_admin():
    group = Group.objects.get(name="Institution contacts")
    assert not group.permissions.exists()
    contact = factories.UserFactory(groups=["Institution contacts"])
    assert not contact.has_perm("wagtailadmin.access_admin")
    assert not contact.has_perm("labvisits.view_labvisit")
