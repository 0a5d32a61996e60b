"""Oversight of the supervisors' own region and of the system: the daily digest to city and province
supervisors, the audit-log view, and field coverage per township."""
from apiflask import APIBlueprint

bp = APIBlueprint("oversight", __name__, url_prefix="/api/v1", tag="Oversight 监督")
