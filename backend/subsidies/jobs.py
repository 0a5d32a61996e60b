"""Partition upkeep: every hour, the payments' partitions for this year and the next exist before
the first payment of a new year arrives (PostgreSQL; nothing on SQLite). The importers make a
missing year's partition themselves too, so this is belt and braces."""
from .. import jobs
from ..core import clock, partitions


def hourly(config, moment):
    return moment.minute == 17


@jobs.periodic(when=hourly)
def ensure_partitions():
    partitions.ensure_current(clock.today())
