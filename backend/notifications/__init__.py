from apiflask import APIBlueprint

bp = APIBlueprint("notifications", __name__, url_prefix="/api/v1", tag="Inbox 消息")
