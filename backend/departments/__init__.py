from apiflask import APIBlueprint

bp = APIBlueprint("departments", __name__, url_prefix="/api/v1", tag="Departments 部门协同")
