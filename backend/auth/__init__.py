from apiflask import APIBlueprint

bp = APIBlueprint("auth", __name__, url_prefix="/api/v1", tag="Auth 登录与用户")
