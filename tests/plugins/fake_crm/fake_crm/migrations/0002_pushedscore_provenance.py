from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fake_crm', '0001_initial'),
    ]

    operations = [
        migrations.AddField(model_name='pushedscore', name='account',
                            field=models.CharField(default='', max_length=64)),
        migrations.AddField(model_name='pushedscore', name='schema',
                            field=models.CharField(default='', max_length=63)),
        migrations.AddField(model_name='pushedscore', name='batch',
                            field=models.CharField(default='', max_length=32)),
    ]
