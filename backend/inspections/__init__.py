from apiflask import APIBlueprint

bp = APIBlueprint("inspections", __name__, url_prefix="/api/v1", tag="Inspections 巡查")
