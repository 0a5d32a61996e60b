from apiflask import APIBlueprint

bp = APIBlueprint("imports", __name__, url_prefix="/api/v1", tag="Imports 数据导入")
