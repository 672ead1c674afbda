"""Regulator staff groups and the review workflow: editors draft and submit, approvers
publish."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.actions.publish_page_revision import (
    PublishPagePermissionError,
    PublishPageRevisionAction,
)
from wagtail.models import GroupPagePermission, Page, Workflow

from cms.models import NewsPage
from tests import factories

EDITORS = "Regulator editors"
APPROVERS = "Regulator approvers"


def page_permissions(group_name: str) -> set[str]:
    return set(
        GroupPagePermission.objects.filter(
            group__name=group_name, page=Page.get_first_root_node()
        ).values_list("permission__codename", flat=True)
    )


def test_staff_groups_exist(db):
    names = set(Group.objects.values_list("name", flat=True))

    assert {EDITORS, APPROVERS, "Check-in staff", "Experts", "Institution contacts"} <= names


def test_editors_may_draft_but_not_publish_pages(db):
    perms = page_permissions(EDITORS)

    assert {"add_page", "change_page"} <= perms
    assert "publish_page" not in perms


def test_approvers_may_publish_pages(db):
    assert {"add_page", "change_page", "publish_page"} <= page_permissions(APPROVERS)


def test_expert_permissions_follow_the_same_split(editor, approver):
    assert editor.has_perm("wagtailadmin.access_admin")
    assert editor.has_perm("experts.change_expert")
    assert not editor.has_perm("experts.publish_expert")
    assert approver.has_perm("experts.publish_expert")
    assert approver.has_perm("cms.change_sitesettings")
    assert not editor.has_perm("cms.change_sitesettings")


@pytest.fixture
def submitted_article(site_tree, editor):
    """A news article an editor drafted and submitted for review."""
    article = factories.NewsPageFactory(
        parent=site_tree.zh.news, title="开放日报名开启", owner=editor, publish=False
    )
    article.save_revision(user=editor)
    workflow = article.get_workflow()
    assert workflow is not None
    workflow.start(article, editor)
    return NewsPage.objects.get(pk=article.pk)


def test_pages_are_reviewed_by_the_regulator_review_workflow(site_tree):
    workflow = site_tree.zh.news.get_workflow()

    assert workflow == Workflow.objects.get(name="监管部门审核")
    assert [task.name for task in workflow.tasks] == ["审批人审核"]


def test_submitted_draft_waits_for_review_and_is_not_public(client, submitted_article):
    assert submitted_article.workflow_in_progress
    assert not submitted_article.live
    assert client.get(submitted_article.url).status_code == 404


def test_editor_cannot_publish_or_approve(submitted_article, editor):
    revision = submitted_article.get_latest_revision()

    assert not submitted_article.permissions_for_user(editor).can_publish()
    with pytest.raises(PublishPagePermissionError):
        PublishPageRevisionAction(revision, user=editor).execute()
    task_state = submitted_article.current_workflow_task_state
    assert task_state.task.specific.get_actions(submitted_article, editor) == []
    assert not NewsPage.objects.get(pk=submitted_article.pk).live


@pytest.mark.parametrize(("who", "sees_publish"), [("editor", False), ("approver", True)])
def test_only_approvers_see_the_publish_button_in_the_page_editor(
    client, submitted_article, request, who, sees_publish
):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("wagtailadmin_pages:edit", args=[submitted_article.pk]))

    assert response.status_code == 200
    assert ('name="action-publish"' in response.content.decode()) is sees_publish


def test_approver_approves_and_the_article_goes_live(client, submitted_article, approver):
    task_state = submitted_article.current_workflow_task_state
    actions = [
        name for name, *_ in task_state.task.specific.get_actions(submitted_article, approver)
    ]
    assert "approve" in actions

    task_state.specific.approve(user=approver)

    article = NewsPage.objects.get(pk=submitted_article.pk)
    assert article.live
    assert not article.workflow_in_progress
    response = client.get(article.url)
    assert response.status_code == 200
    assert "开放日报名开启" in response.content.decode()


def test_approver_approves_through_the_admin(client, submitted_article, approver):
    task_state = submitted_article.current_workflow_task_state
    client.force_login(approver)

    response = client.post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[submitted_article.pk, "approve", task_state.pk],
        ),
        {"comment": "同意发布"},
    )

    assert response.status_code in (200, 302)
    assert NewsPage.objects.get(pk=submitted_article.pk).live


def test_rejected_article_stays_unpublished(submitted_article, approver):
    submitted_article.current_workflow_task_state.specific.reject(user=approver)

    article = NewsPage.objects.get(pk=submitted_article.pk)
    assert not article.live
    assert article.current_workflow_state.status == "needs_changes"
