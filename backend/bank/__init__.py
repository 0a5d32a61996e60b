from apiflask import APIBlueprint

bp = APIBlueprint("bank", __name__, url_prefix="/api/v1", tag="Bank payments 一键直连")
