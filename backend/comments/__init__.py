from apiflask import APIBlueprint

bp = APIBlueprint("comments", __name__, url_prefix="/api/v1", tag="Public comments 群众留言")
