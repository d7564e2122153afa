"""Existing display names get the same normalisation as every save (people/names.py)."""

from django.db import migrations


def clean_existing(apps, schema_editor):
    from people.names import NAME_FIELDS, clean_name

    User = apps.get_model("auth", "User")
    for user in User.objects.only("pk", *NAME_FIELDS).iterator():
        cleaned = {field: clean_name(getattr(user, field)) for field in NAME_FIELDS}
        if any(cleaned[field] != getattr(user, field) for field in NAME_FIELDS):
            User.objects.filter(pk=user.pk).update(**cleaned)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(clean_existing, migrations.RunPython.noop)]
