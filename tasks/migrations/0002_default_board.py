"""Out of the box there is one open team board: every active user is a member of it."""

from django.db import migrations


def create_default_board(apps, schema_editor):
    Board = apps.get_model("tasks", "Board")
    if not Board.objects.filter(is_default=True).exists():
        Board.objects.create(name="Team board", slug="team", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial")]
    operations = [migrations.RunPython(create_default_board, migrations.RunPython.noop)]
