from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="oauthstate",
            name="return_to",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
    ]
