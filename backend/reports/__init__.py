"""一屏智报: periodic reports of a region (six kinds, PDF and Excel), generated as jobs from the same
summary table as the cockpit, kept as issued files in a report library."""
from apiflask import APIBlueprint

bp = APIBlueprint("reports", __name__, url_prefix="/api/v1", tag="Reports 报表")
