"""Consultations were rated 1 to 5 stars on the consultation itself; their ratings become
``Rating`` rows of kind ``consultation`` on the five levels (1 very dissatisfied ... 5 very
satisfied: the number stays), flagged when low. Then consultations drop the old fields."""

from django.db import migrations

LOW = (1, 2)


def forwards(apps, schema_editor):
    Consultation = apps.get_model("consultations", "Consultation")
    Rating = apps.get_model("ratings", "Rating")
    rows = []
    for c in Consultation.objects.filter(rating__isnull=False).iterator():
        rating = Rating(
            kind="consultation",
            object_id=c.pk,
            level=c.rating,
            comment=c.rating_comment,
            rater_id=c.requested_by_id,
            expert_id=c.expert_id,
            flagged=c.rating in LOW,
        )
        rows.append((rating, c.rated_at))
    Rating.objects.bulk_create([r for r, _ in rows], ignore_conflicts=True)
    # auto_now_add set "now": keep when they were given.
    for rating, rated_at in rows:
        if rated_at is not None:
            Rating.objects.filter(kind="consultation", object_id=rating.object_id).update(
                created_at=rated_at
            )


def backwards(apps, schema_editor):
    Consultation = apps.get_model("consultations", "Consultation")
    Rating = apps.get_model("ratings", "Rating")
    for r in Rating.objects.filter(kind="consultation"):
        Consultation.objects.filter(pk=r.object_id).update(
            rating=r.level, rating_comment=r.comment, rated_at=r.created_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0001_initial"),
        ("consultations", "0005_changes_created_at_settable"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
