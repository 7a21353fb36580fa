"""Load the shipped condition value set (directory/data/conditions.json). `peerpath directory load-conditions`
loads it again after the file changes."""

from django.db import migrations


def load(apps, schema_editor):
    from peerpath.directory.conditions import load_value_set

    load_value_set(apps.get_model("directory", "Condition"), apps.get_model("directory", "ConditionCode"))


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_search_index")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
