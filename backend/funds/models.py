"""Funds (资金): the budget lines (指标) that reach a township, and what became of each one —
issued by the upper level (下达), registered as arrived by the township (登记/到账, with the receipt
回执), allocated (分配) to projects, subsidy policies or the township's own spending, and spent (支出).

A fund belongs to a township (``region_id``); its allocations and expenditures carry the same
``region_id`` so that scoping and per-region sums never need a join. Allocations never add up to
more than the fund, expenditures never to more than was allocated (services.py keeps both).
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import Region, UtcDateTime, User
from ..extensions import db

Money = Numeric(14, 2)

# The fixed lists, code → (Chinese, English). Codes are stored; names are shown and imported.
CATEGORIES = {
    "general_transfer": ("一般性转移支付", "General transfer"),
    "special_transfer": ("专项转移支付", "Special transfer"),
    "own": ("乡镇自有资金", "Township's own funds"),
}
SOURCE_LEVELS = {
    "central": ("中央", "Central"),
    "province": ("省级", "Province"),
    "city": ("市级", "City"),
    "county": ("县级", "County"),
    "township": ("乡级", "Township"),
}
TARGETS = {
    "project": ("项目", "Project"),
    "policy": ("补贴政策", "Subsidy policy"),
    "own": ("乡镇自用", "Township's own spending"),
}


class Fund(db.Model):
    """One budget line (指标) as it reached one township. Natural key: (region, 文号, 资金名称)."""
    __tablename__ = "funds"
    __table_args__ = (UniqueConstraint("region_id", "doc_no", "name", name="uq_funds_region_doc_name"),
                      Index("ix_funds_region_issued", "region_id", "issued_on"),
                      Index("ix_funds_list", "issued_on", "id"))  # the list's order, paged by key

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))  # the township
    doc_no: Mapped[str] = mapped_column(String(60))  # 文号: 浙财农〔2026〕12号
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))  # CATEGORIES
    source_level: Mapped[str] = mapped_column(String(10))  # SOURCE_LEVELS
    amount: Mapped[Decimal] = mapped_column(Money)
    issued_on: Mapped[date] = mapped_column(Date)  # 下达
    arrived_on: Mapped[date | None] = mapped_column(Date)  # 登记/到账
    receipt_no: Mapped[str | None] = mapped_column(String(60))  # 信息接收回执号
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run that wrote it last
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    region = relationship(Region)
    registered_by = relationship(User, foreign_keys=[registered_by_id])


class FundAllocation(db.Model):
    """Part of a fund given to a project, a subsidy policy or the township's own spending."""
    __tablename__ = "fund_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # the fund's township
    target: Mapped[str] = mapped_column(String(10))  # TARGETS
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("subsidy_policies.id"), index=True)
    purpose: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    allocated_on: Mapped[date] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run that wrote it last
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class FundExpenditure(db.Model):
    """Money paid out of a fund. Natural key: (fund, 凭证号)."""
    __tablename__ = "fund_expenditures"
    __table_args__ = (UniqueConstraint("fund_id", "voucher_no", name="uq_fund_expenditures_fund_voucher"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("fund_allocations.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    spent_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    payee: Mapped[str] = mapped_column(String(120))
    voucher_no: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class FundReceiptFile(db.Model):
    """The receipt (信息接收回执) as the township holds it: a scan or photo, or the PDF the upper
    level's system issued. Kept, never replaced: a better scan is a second file beside the first.
    ``storage_key`` is what is served (a PDF as uploaded, a picture re-encoded without its metadata);
    the original bytes stay under their SHA-256 as evidence."""
    __tablename__ = "fund_receipt_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # pdf | jpeg | png | webp (what the bytes are)
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    uploaded_by = relationship(User)

