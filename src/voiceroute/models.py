"""Storage: the typed SQLAlchemy models. Python names only; wire names live in ``schemas``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    secret_hash: Mapped[str] = mapped_column(String(256))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TenantOwned:
    """A row that belongs to one account; ``services/tenancy.py`` is where that is enforced."""

    id: Mapped[str]

    @declared_attr
    def account_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("accounts.id"), index=True)


class VoiceRoute(TenantOwned, Base):
    __tablename__ = "voice_routes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    route_name: Mapped[str] = mapped_column(String(128))
    route_type: Mapped[str] = mapped_column(String(16))
    route_enabled: Mapped[bool] = mapped_column(Boolean)
    intelligent_route_enabled: Mapped[bool] = mapped_column(Boolean)

    voice_url: Mapped[str | None] = mapped_column(Text)
    voice_url_method: Mapped[str] = mapped_column(String(8))
    voice_authentication_type: Mapped[str] = mapped_column(String(16))
    voice_username: Mapped[str | None] = mapped_column(String(256))
    # Fernet ciphertext; the clear value never reaches the database.
    voice_password_token_encrypted: Mapped[str | None] = mapped_column(Text)
    callback_voice_url: Mapped[str | None] = mapped_column(Text)
    callback_voice_url_method: Mapped[str] = mapped_column(String(8))

    trunk_ip1: Mapped[str | None] = mapped_column(String(64))
    trunk_ip2: Mapped[str | None] = mapped_column(String(64))
    trunk_port1: Mapped[str | None] = mapped_column(String(5))
    trunk_port2: Mapped[str | None] = mapped_column(String(5))
    trunk_transport1: Mapped[str] = mapped_column(String(3))
    trunk_transport2: Mapped[str] = mapped_column(String(3))
    trunk_uri1: Mapped[str | None] = mapped_column(Text)
    trunk_uri2: Mapped[str | None] = mapped_column(Text)
    trunk_enabled1: Mapped[bool] = mapped_column(Boolean)
    trunk_enabled2: Mapped[bool] = mapped_column(Boolean)
    trunk1_priority: Mapped[int] = mapped_column(Integer)
    trunk2_priority: Mapped[int] = mapped_column(Integer)
    trunk1_weight: Mapped[int] = mapped_column(Integer)
    trunk2_weight: Mapped[int] = mapped_column(Integer)

    header_manipulation: Mapped[str | None] = mapped_column(String(64))
    enable_sip_refer: Mapped[bool] = mapped_column(Boolean)
    transfer_caller_id: Mapped[str | None] = mapped_column(String(32))
    symmetric_rtp: Mapped[bool] = mapped_column(Boolean)
    enable_trp_secure_trunk: Mapped[bool] = mapped_column(Boolean)
    enable_pstn_transfer: Mapped[bool] = mapped_column(Boolean)
    cnam_lookup: Mapped[bool] = mapped_column(Boolean)
    ip_whitelist: Mapped[list[str]] = mapped_column(JSON)
    # Unique across all accounts: it names a host in the operator's SIP domain.
    termination_uri_subdomain: Mapped[str | None] = mapped_column(String(63), unique=True)
    enable_call_streaming: Mapped[bool] = mapped_column(Boolean)
    wss_uri: Mapped[str | None] = mapped_column(Text)
    forward_number: Mapped[str | None] = mapped_column(Text)


class RateLimitWindow(Base):
    """Requests counted per account per minute; shared by every API replica."""

    __tablename__ = "rate_limit_windows"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
