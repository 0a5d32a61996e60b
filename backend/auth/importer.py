"""The import engine's kind ``users``: a roster, each new account with a one-time password handed
back once to the person who imported it (``ImportRun.secret``)."""
from ..core.models import AuditLog, User, UserSession
from ..imports import engine
from ..imports.engine import Field, register
from ..regions.importer import Delegated
from .roster import ROSTER_ALIASES, ROSTER_FIELDS, Roster


@register
class UserImporter(Delegated):
    kind = "users"
    title = ("人员名单", "User roster")
    roles = ("admin", "county")
    model = User
    users_of = [(AuditLog, "actor_id"), (UserSession, "user_id")]
    fields = [Field(name, zh, en, aliases=ROSTER_ALIASES[name], required=name not in ("phone", "department"),
                    example={"display_name": "王巡查", "username": "wangxc", "role": "巡查员",
                             "region": "330112006000", "phone": "13805710000"}.get(name),
                    rule={"role": ("县级财政、乡镇负责人、巡查员等（不能高于导入人）", "county, township lead, inspector… "
                                   "(not above the importer's own)"),
                          "region": ("12位区划代码，或本辖区内的地区名称", "12-digit code, or a region's name within yours"),
                          "username": ("小写字母、数字，3–64位；已有的用户名会被更新", "lower-case letters and digits, "
                                       "3–64; an existing user name is updated")}.get(name, ("", "")))
              for name, (zh, en) in ROSTER_FIELDS.items()]

    def loader(self, table):
        return Roster(self.region, self.report, self.actor)

    def write(self, parsed, batch_id):
        counts = super().write(parsed, batch_id)
        if self.rows.passwords:  # each new account's one-time password, handed back once
            self.secret = engine.seal_secret(self.rows.passwords)
        return counts
