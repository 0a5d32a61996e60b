"""一站监管: the supervisors' cockpit — figures per region and period kept in a summary table, the
township finance health index, and one JSON answer per view."""
from apiflask import APIBlueprint

bp = APIBlueprint("overview", __name__, url_prefix="/api/v1", tag="Overview 一站监管")
