from apiflask import APIBlueprint

bp = APIBlueprint("plaques", __name__, url_prefix="/api/v1", tag="Scan & plaques 扫码与标牌",
                  template_folder="templates")
