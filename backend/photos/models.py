from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core import clock
from ..core.models import UtcDateTime
from ..extensions import db


class Photo(db.Model):
    """A photo taken as evidence. The original's SHA-256, capture time and place are kept; the
    stored copies are re-encoded without metadata. ``band0..3`` index the perceptual hash."""
    __tablename__ = "photos"
    __table_args__ = tuple(Index(f"ix_photos_band{i}", f"band{i}") for i in range(4))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_submissions.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    bytes: Mapped[int] = mapped_column(Integer)
    original_format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    phash: Mapped[int] = mapped_column(BigInteger)  # signed 64-bit form of the unsigned hash
    band0: Mapped[int] = mapped_column(Integer)
    band1: Mapped[int] = mapped_column(Integer)
    band2: Mapped[int] = mapped_column(Integer)
    band3: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the device's clock
    lat: Mapped[float | None] = mapped_column(Float)  # the device's position at capture
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    exif_taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lng: Mapped[float | None] = mapped_column(Float)
    exif_source: Mapped[str | None] = mapped_column(String(8))  # "file" or "device" (read by the app)
    reused: Mapped[bool] = mapped_column(Boolean, default=False)
    reused_of_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
