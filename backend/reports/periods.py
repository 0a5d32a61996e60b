"""A report's period: a month (2026-11), a quarter (2026-Q4) or a year (2026)."""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time

from ..core import clock
from ..core.errors import bad_field
from ..subsidies.models import period_months

# ASCII digits only (\d is any script's, and int() reads them all): a period has one spelling, the
# report library's and the storage path's.
_FORMS = re.compile(r"^([0-9]{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")


@dataclass(frozen=True)
class Period:
    code: str
    year: int
    months: tuple  # 1–12

    @property
    def kind(self):
        return "year" if len(self.months) == 12 else "quarter" if len(self.months) == 3 else "month"

    @property
    def zh(self):
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.months[0] // 3]}季度"
        return f"{self.year}年{self.months[0]}月"

    @property
    def en(self):
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return f"Q{self.months[0] // 3 + 1} {self.year}"
        return date(self.year, self.months[0], 1).strftime("%B %Y")

    @property
    def start(self):
        return date(self.year, self.months[0], 1)

    @property
    def end(self):
        """The day after the period."""
        last = self.months[-1]
        return date(self.year + 1, 1, 1) if last == 12 else date(self.year, last + 1, 1)

    def china_bounds(self):
        """[start, end) as moments: midnight in China (UTC+8) of the first day and of the day after —
        the cockpit counts a stored moment in China's month too, so the report counts the same rows."""
        return (datetime.combine(self.start, time(0), tzinfo=clock.CHINA),
                datetime.combine(self.end, time(0), tzinfo=clock.CHINA))

    def previous(self):
        """The period of the same kind before this one. Made here, not by ``parse``: the one before
        2000-01 is 1999-12, which nobody may ask for but the health report compares with."""
        if self.kind == "year":
            return Period(str(self.year - 1), self.year - 1, self.months)
        first = self.months[0] - len(self.months)
        year, first = (self.year - 1, first + 12) if first < 1 else (self.year, first)
        code = f"{year}-Q{first // 3 + 1}" if self.kind == "quarter" else f"{year}-{first:02d}"
        return Period(code, year, tuple(range(first, first + len(self.months))))

    def months_of(self, code):
        """The months of a payment period string (2026, 2026-03, 2026-Q1, 2026-H1) that fall in this
        period (empty when none or unreadable)."""
        found = period_months(code)
        if found is None or found[0] != self.year:
            return ()
        return tuple(x for x in found[1] if x in self.months)


def parse(text, path="json.period"):
    """A Period from 2026-11 / 2026-Q4 / 2026; 400 ``bad_period`` otherwise, or when it starts after
    today (nothing to report yet)."""
    # (full-width digits, as a Chinese input method types them, are the same period: ２０２６-11 is 2026-11)
    m = _FORMS.match(unicodedata.normalize("NFKC", str(text or "")).strip())
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise bad_field(path, "bad_period", "报表期间应为 2026-11（月）、2026-Q4（季）或 2026（年）",
                        "A period is a month (2026-11), a quarter (2026-Q4) or a year (2026)")
    year = int(m.group(1))
    if m.group(2):
        months = (int(m.group(2)),)
    elif m.group(3):
        q = int(m.group(3))
        months = tuple(range(q * 3 - 2, q * 3 + 1))
    else:
        months = tuple(range(1, 13))
    period = Period(m.group(0), year, months)
    if period.start > clock.today():
        raise bad_field(path, "period_in_future", "该期间尚未开始，没有可报的数据",
                        "That period has not started yet; there is nothing to report")
    return period


def last_month(today=None):
    today = today or clock.today()
    return parse(f"{today.year - 1}-12") if today.month == 1 else parse(f"{today.year}-{today.month - 1:02d}")
