"""The village collectives' assets and resources (三资): the asset register, the resources (land,
forest, water...), the contracts that let them out, what those contracts owe and what came in."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import Region, UtcDateTime
from ..extensions import db
from ..projects.models import Money

ASSET_CATEGORIES = ("经营性", "非经营性", "公益性")
ASSET_STATUSES = ("在用", "闲置", "出租", "处置")
RESOURCE_KINDS = ("耕地", "园地", "林地", "草地", "水面", "荒地", "建设用地", "其他")
CONTRACT_KINDS = ("承包", "租赁")
CONTRACT_STATUSES = ("active", "terminated")
Area = Numeric(14, 2)  # 亩, two decimals


class Asset(db.Model):
    """An asset (资产) of a village collective. ``status_changed_on`` is the day the current status
    began (the idle rule reads it); every change is kept in ``asset_status_changes``."""
    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("region_id", "asset_no"),
                      Index("ix_assets_region_name", "region_id", "name"),
                      Index("ix_assets_list", "region_id", "id"))  # the register's order (read backwards), paged by key

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    asset_no: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(8))
    original_value: Mapped[Decimal] = mapped_column(Money)
    net_value: Mapped[Decimal] = mapped_column(Money)
    location: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8), default="在用")
    status_changed_on: Mapped[date] = mapped_column(Date)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    acquired_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    region = relationship(Region)


class AssetStatusChange(db.Model):
    """An asset's status history: from, to, the day it took effect, who recorded it."""
    __tablename__ = "asset_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(8))
    to_status: Mapped[str] = mapped_column(String(8))
    changed_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class AssetProject(db.Model):
    """A project that maintains (维修/管护) an asset, besides the one that formed it: its payments
    after the asset went idle are maintenance spending on an idle asset."""
    __tablename__ = "asset_projects"
    __table_args__ = (UniqueConstraint("asset_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)


class Resource(db.Model):
    """A resource (资源) of a village collective: land, forest, water, waste land... in 亩."""
    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("region_id", "resource_no"),
                      Index("ix_resources_region_name", "region_id", "name"),
                      Index("ix_resources_list", "region_id", "id"))  # the register's order (read backwards), paged by key

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    resource_no: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))
    area: Mapped[Decimal] = mapped_column(Area)
    location: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    region = relationship(Region)


class ResourceContract(db.Model):
    """A contract (承包/租赁合同) letting out one resource or one asset for a term at an annual
    amount, with an optional floor (底价: the least the collective accepts a year)."""
    __tablename__ = "resource_contracts"
    __table_args__ = (UniqueConstraint("region_id", "contract_no"),
                      CheckConstraint("(resource_id IS NULL) <> (asset_id IS NULL)", name="one_subject"),
                      Index("ix_resource_contracts_region_status", "region_id", "status"),
                      Index("ix_resource_contracts_list", "ends_on", "id"))  # the register's order, paged by key

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    contract_no: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(4))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    counterparty: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    annual_amount: Mapped[Decimal] = mapped_column(Money)
    floor_amount: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(12), default="active")
    note: Mapped[str | None] = mapped_column(String(500))
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    region = relationship(Region)
    resource = relationship(Resource)
    asset = relationship(Asset)


class ContractReceivable(db.Model):
    """One instalment the contract says is due (应收): a day and an amount."""
    __tablename__ = "contract_receivables"
    __table_args__ = (UniqueConstraint("contract_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("resource_contracts.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)


class ContractReceipt(db.Model):
    """Money received (实收) under a contract, with its voucher."""
    __tablename__ = "contract_receipts"
    __table_args__ = (UniqueConstraint("contract_id", "voucher_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("resource_contracts.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    voucher_no: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run (None: recorded on screen)
