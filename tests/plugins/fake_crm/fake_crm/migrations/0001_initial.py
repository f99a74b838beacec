from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="PushedScore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("external_id", models.CharField(max_length=64)),
                ("kind", models.CharField(max_length=10)),
                ("score", models.IntegerField()),
                ("received_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
