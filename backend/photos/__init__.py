from apiflask import APIBlueprint

bp = APIBlueprint("photos", __name__, url_prefix="/api/v1", tag="Photos 照片")
