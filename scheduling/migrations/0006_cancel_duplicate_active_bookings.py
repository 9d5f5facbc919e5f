"""Before "one active booking per planned procedure" becomes a database constraint (0007),
resolve the duplicates that already exist (issue 10 item 6: three active bookings of one
procedure were seen on two rooms).

Radiotherapy fractions (rows with a ``fraction_number``) are not duplicates and are left alone.
For every other planned procedure with more than one active (not cancelled) booking:

- the booking to keep is the one that happened (``done``), else the confirmed one (``booked``)
  over a ``proposed`` one, else the earliest created: that is the one people are most likely
  to have acted on;
- every other active booking is cancelled with a reason naming this migration and the booking
  kept, its version bumped (so a stale If-Match is refused), which frees its room;
- two or more ``done`` bookings of one procedure cannot be resolved by a program: cancelling a
  procedure that was performed would rewrite the clinical record. The migration then stops and
  names them; an administrator reviews them first.

Why cancel rather than fail for everything: each duplicate holds a room that another patient
could use, and the cancellation reason on the booking and in the API tells coordinators what
happened; failing would block every deployment until someone edited rows by hand.
"""

from django.db import migrations
from django.db.models import Count, F, Q
from django.utils import timezone

REASON = ("Duplicate active booking of the same planned procedure, cancelled by migration "
          "scheduling 0006 (one active booking per procedure); kept booking {kept}.")
RANK = {"done": 0, "booked": 1, "proposed": 2}


def cancel_duplicates(apps, schema_editor):
    Booking = apps.get_model("scheduling", "Booking")
    active = Booking.objects.filter(fraction_number__isnull=True).exclude(status="cancelled")
    duplicated = (active.values("procedure_id").annotate(n=Count("id")).filter(n__gt=1)
                  .values_list("procedure_id", flat=True))
    unresolved = []
    for procedure_id in list(duplicated):
        rows = sorted(active.filter(procedure_id=procedure_id),
                      key=lambda b: (RANK.get(b.status, 3), b.created_at, b.pk))
        if sum(1 for b in rows if b.status == "done") > 1:
            unresolved.append(f"procedure {procedure_id}: bookings "
                              f"{', '.join(str(b.public_id) for b in rows)}")
            continue
        kept, others = rows[0], rows[1:]
        Booking.objects.filter(pk__in=[b.pk for b in others]).filter(
            ~Q(status="cancelled")).update(
            status="cancelled", cancel_reason=REASON.format(kept=kept.public_id)[:300],
            version=F("version") + 1, updated_at=timezone.now())
    if unresolved:
        raise RuntimeError(
            "Planned procedures with more than one performed (done) booking; review and cancel "
            "the wrong ones by hand, then migrate again:\n" + "\n".join(unresolved))


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0005_add_booking_retrospective_reason")]

    operations = [migrations.RunPython(cancel_duplicates, migrations.RunPython.noop)]
