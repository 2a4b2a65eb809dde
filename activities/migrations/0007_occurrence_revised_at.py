from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0006_sequence_reference_report"),
    ]

    operations = [
        migrations.AddField(
            model_name="occurrence",
            name="revised_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
