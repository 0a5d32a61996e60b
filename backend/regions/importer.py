"""The import engine's kind ``regions`` (the official division table, 统计用区划代码): the engine reads
the file and keeps the run; ``DivisionTable`` says what each row means and writes it (the same code
``flask regions-import`` and the tests call). ``Delegated`` serves any kind whose rows a loader object
parses, checks and writes (the users roster too)."""
from ..core.bulk import gc_paused
from ..core.models import Region, User
from ..imports import engine
from ..imports.engine import Field, Importer, register
from ..projects.models import Project, Unit
from .services import DIVISION_ALIASES, DIVISION_FIELDS, DivisionTable, year_of


class Delegated(Importer):
    """A kind whose rows a loader object parses, checks and writes (rows marked bad return None)."""

    def loader(self, table):
        raise NotImplementedError

    def prepare(self, table):
        self.rows = self.loader(table)

    def parse(self, rows):
        out = []
        with gc_paused():  # (tens of thousands of row dicts, none in a cycle)
            for done, (number, cells) in enumerate(rows):
                if self.progress is not None and done % 2000 == 0:
                    self.progress(done)
                row = self.rows.parse_row(number, cells)
                if row is not None:
                    out.append((number, row))
        return out

    def check(self, parsed):
        with gc_paused():
            self.rows.check([row for _, row in parsed])

    def write(self, parsed, batch_id):
        with gc_paused():
            counts = self.rows.write([row for _, row in parsed], batch_id)
        for obj, before in self.rows.remembered:
            self.changed.append((obj.id, {c: engine._frozen(v) for c, v in before.items()}))
        return counts


@register
class RegionImporter(Delegated):
    kind = "regions"
    title = ("行政区划", "Regions")
    roles = ("admin",)
    levels = ("province", "city", "county")
    model = Region
    users_of = [(Region, "parent_id"), (User, "region_id"), (Project, "region_id"), (Unit, "region_id")]
    fields = [Field(name, zh, en, aliases=DIVISION_ALIASES[name], required=name in ("code", "name"),
                    example={"code": "330112006001", "name": "钱王社区", "level": "村", "parent_code": "330112006000",
                             "urban_rural": "111"}.get(name),
                    rule={"code": ("12位统计用区划代码（6位、9位会自动补0）", "12-digit division code (6 or 9 digits are padded)"),
                          "level": ("省/市/县/乡/村，或1–5；不填时按代码判断", "province…village or 1–5; else read from the code"),
                          "successor": ("撤并时填并入的区划代码", "when merged: the code it merged into")}.get(name, ("", "")))
              for name, (zh, en) in DIVISION_FIELDS.items()]

    def loader(self, table):
        return DivisionTable(self.region, self.report, self.actor, year=year_of(table.title))
