from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_eligibility'),
    ]

    operations = [
        migrations.AddField(
            model_name='contribution',
            name='source',
            field=models.CharField(choices=[('git', 'git log'), ('gerrit', 'Gerrit export')], default='git', max_length=6),
            preserve_default=False,
        ),
    ]
