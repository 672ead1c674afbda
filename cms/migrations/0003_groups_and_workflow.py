"""Staff groups, their permissions, and the moderation workflow editors submit to.

Regulator editors draft pages and experts; regulator approvers review and publish them.
Check-in staff, experts and institution contacts get their permissions with the features
that need them.
"""

from django.db import migrations

EDITORS = "Regulator editors"
APPROVERS = "Regulator approvers"
OTHER_GROUPS = ["Check-in staff", "Experts", "Institution contacts"]
WORKFLOW = "Regulator review"
TASK = "Approver review"


def _ensure_permissions(apps):
    # Permissions are normally created after all migrations ran; we need them now.
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        # create_permissions skips apps without a models module; restore it afterwards.
        original = app_config.models_module
        app_config.models_module = original or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = original


def forwards(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    def perm(app_label, codename):
        # Snippet "publish"/"lock" permissions are made by Wagtail after migrating; the
        # same rows are created here when they do not exist yet.
        existing = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if existing is not None:
            return existing
        action, model = codename.split("_", 1)
        content_type = ContentType.objects.get_or_create(app_label=app_label, model=model)[0]
        return Permission.objects.create(
            content_type=content_type, codename=codename, name=f"Can {action} {model}"
        )

    editors, _ = Group.objects.get_or_create(name=EDITORS)
    approvers, _ = Group.objects.get_or_create(name=APPROVERS)
    for name in OTHER_GROUPS:
        Group.objects.get_or_create(name=name)

    admin_access = perm("wagtailadmin", "access_admin")
    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    page_perms = {
        editors: ["add_page", "change_page", "lock_page"],
        approvers: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    }
    media_perms = [
        ("wagtailimages", "add_image"), ("wagtailimages", "change_image"),
        ("wagtailimages", "choose_image"), ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"), ("wagtaildocs", "choose_document"),
    ]
    expert_perms = {
        editors: ["add_expert", "change_expert"],
        approvers: ["add_expert", "change_expert", "publish_expert", "delete_expert"],
    }
    for group in (editors, approvers):
        group.permissions.add(admin_access)
        for codename in expert_perms[group]:
            group.permissions.add(perm("experts", codename))
        if root_page is not None:
            for codename in page_perms[group]:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root_page, permission=perm("wagtailcore", codename)
                )
        if root_collection is not None:
            for app_label, codename in media_perms:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=perm(app_label, codename)
                )
    approvers.permissions.add(perm("cms", "change_sitesettings"))

    task_ct = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )[0]
    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK, content_type=task_ct, active=True)
    task.groups.set([approvers])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    if root_page is not None:
        WorkflowPage.objects.update_or_create(page=root_page, defaults={"workflow": workflow})
    expert_ct = ContentType.objects.get_or_create(app_label="experts", model="expert")[0]
    WorkflowContentType.objects.update_or_create(
        content_type=expert_ct, defaults={"workflow": workflow}
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Workflow.objects.filter(name=WORKFLOW).update(active=False)
    Group.objects.filter(name__in=[EDITORS, APPROVERS, *OTHER_GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_initial"),
        ("experts", "0001_initial"),
        ("events", "0002_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
