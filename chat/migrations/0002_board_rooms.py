"""Every existing board gets its chat room."""

from django.db import migrations
from django.utils.text import slugify


def create_board_rooms(apps, schema_editor):
    Board = apps.get_model("tasks", "Board")
    Room = apps.get_model("chat", "Room")
    for board in Board.objects.filter(room__isnull=True):
        base = slugify(board.slug) or "room"
        slug, n = base, 1
        while Room.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        Room.objects.create(board=board, name=board.name, slug=slug)


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_initial"), ("tasks", "0003_membership_follows_events")]
    operations = [migrations.RunPython(create_board_rooms, migrations.RunPython.noop)]
