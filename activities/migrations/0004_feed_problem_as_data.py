# A feed's problem is stored untranslated (text and parameters), shown in each reader's
# language; whether the editors were told is a flag, not a comparison of texts.

from django.db import migrations, models


def keep_last_error(apps, schema_editor):
    CalendarFeed = apps.get_model("activities", "CalendarFeed")
    for feed in CalendarFeed.objects.exclude(last_error=""):
        feed.problem = {"text": feed.last_error, "params": {}}
        feed.problem_reported_at = feed.last_synced_at or feed.created_at
        feed.save(update_fields=["problem", "problem_reported_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("activities", "0003_cancelled_by_and_home_network"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="problem",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="calendarfeed",
            name="problem_reported_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(keep_last_error, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="calendarfeed",
            name="last_error",
        ),
    ]
