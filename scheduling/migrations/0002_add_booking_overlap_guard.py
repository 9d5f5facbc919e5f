"""No double booking, enforced by the database on both supported engines (docs/guarantees.md).

The model stays portable; this migration adds the vendor-specific guard:
- PostgreSQL: an exclusion constraint over (resource =, [start, end) &&) for active rows, which
  needs btree_gist for the "=" on a plain column (BtreeGistExtension is a no-op elsewhere);
- SQLite: BEFORE INSERT / UPDATE triggers that abort with 'booking_overlap'. With the IMMEDIATE
  transaction mode in settings, check-then-insert is serialised, and this is the backstop for any
  raw or bulk write that skips the service.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

PG_FORWARD = """
ALTER TABLE scheduling_booking ADD CONSTRAINT booking_no_overlap_excl
  EXCLUDE USING gist (resource_id WITH =, tstzrange("start", "end", '[)') WITH &&)
  WHERE (status <> 'cancelled');
"""
PG_BACKWARD = "ALTER TABLE scheduling_booking DROP CONSTRAINT IF EXISTS booking_no_overlap_excl;"

_OVERLAP = (
    "SELECT RAISE(ABORT, 'booking_overlap') WHERE EXISTS ("
    " SELECT 1 FROM scheduling_booking b WHERE b.resource_id = NEW.resource_id"
    " AND b.status <> 'cancelled' AND b.\"start\" < NEW.\"end\" AND NEW.\"start\" < b.\"end\"{extra});"
)
SQLITE_FORWARD = [
    "CREATE TRIGGER scheduling_booking_no_overlap_insert BEFORE INSERT ON scheduling_booking "
    "WHEN NEW.status <> 'cancelled' BEGIN " + _OVERLAP.format(extra="") + " END;",
    "CREATE TRIGGER scheduling_booking_no_overlap_update "
    "BEFORE UPDATE OF resource_id, \"start\", \"end\", status ON scheduling_booking "
    "WHEN NEW.status <> 'cancelled' BEGIN " + _OVERLAP.format(extra=" AND b.id <> NEW.id") + " END;",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS scheduling_booking_no_overlap_insert;",
    "DROP TRIGGER IF EXISTS scheduling_booking_no_overlap_update;",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_create_scheduling_tables")]
    operations = [
        BtreeGistExtension(),
        migrations.RunPython(forward, backward),
    ]
