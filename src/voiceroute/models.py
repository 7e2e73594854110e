"""Storage: the typed SQLAlchemy models. Python names only; wire names live in ``schemas``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
    __table_args__ = (UniqueConstraint("sip_id", name="uq_voice_routes_sip_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The route's number in the data plane's tables (dispatcher sets, address groups).
    sip_id: Mapped[int] = mapped_column(Integer)
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


class PhoneNumber(TenantOwned, Base):
    """A number the operator owns and has given to one account; it points at one route."""

    __tablename__ = "phone_numbers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    voice_enabled: Mapped[bool] = mapped_column(Boolean)
    voice_route_id: Mapped[str | None] = mapped_column(ForeignKey("voice_routes.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RouteRevision(Base):
    """One recorded change of a route: who, when, from where, and each field before and after.

    No foreign key to ``voice_routes``: a route's history outlives the route.
    """

    __tablename__ = "route_revisions"
    __table_args__ = (UniqueConstraint("route_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    route_id: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source_ip: Mapped[str | None] = mapped_column(String(64))
    trace_id: Mapped[str | None] = mapped_column(String(64))
    restored_revision: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # The route's whole state after this change (secret still sealed), for rollback.
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class IdempotencyRecord(Base):
    """The first answer to a request sent with an ``Idempotency-Key``, replayed on retries."""

    __tablename__ = "idempotency_records"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


# --- Data plane -------------------------------------------------------------------------------
# The tables below are read by Kamailio, with Kamailio's own schemas (dispatcher, permissions'
# address, htable; /usr/share/kamailio/<db>/*-create.sql). They are written only by
# ``sip/sync.py``, in the same transaction as the API change they reflect, and carry the
# owning route's ``sip_id`` so that a route's rows can be replaced as a whole.


class DataPlaneState(Base):
    """One row: a generation per Kamailio table, and the next route ``sip_id``.

    Each node's agent reloads a table when its generation moves past the one it applied.
    """

    __tablename__ = "dataplane_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispatcher_generation: Mapped[int] = mapped_column(Integer, default=1)
    address_generation: Mapped[int] = mapped_column(Integer, default=1)
    routing_generation: Mapped[int] = mapped_column(Integer, default=1)
    next_sip_id: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TrunkHealth(Base):
    """A trunk's state as a Kamailio node's probing last reported it (written by the agent)."""

    __tablename__ = "trunk_health"
    __table_args__ = (UniqueConstraint("node", "destination"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(128))
    destination: Mapped[str] = mapped_column(String(192), index=True)
    state: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class KamailioVersion(Base):
    __tablename__ = "version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(32), unique=True)
    table_version: Mapped[int] = mapped_column(Integer, default=0)


class DispatcherEntry(Base):
    __tablename__ = "dispatcher"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setid: Mapped[int] = mapped_column(Integer, default=0, index=True)
    destination: Mapped[str] = mapped_column(String(192), default="")
    flags: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attrs: Mapped[str] = mapped_column(String(198), default="")
    description: Mapped[str] = mapped_column(String(64), default="")
    route_sip_id: Mapped[int] = mapped_column(Integer, index=True)


class AddressEntry(Base):
    __tablename__ = "address"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grp: Mapped[int] = mapped_column(Integer, default=1, index=True)
    ip_addr: Mapped[str] = mapped_column(String(50))
    mask: Mapped[int] = mapped_column(Integer, default=32)
    port: Mapped[int] = mapped_column(Integer, default=0)
    tag: Mapped[str | None] = mapped_column(String(64))
    route_sip_id: Mapped[int] = mapped_column(Integer, index=True)


class RoutingEntry(Base):
    """Kamailio ``htable`` rows: number and termination-subdomain lookups (see sip/compiler)."""

    __tablename__ = "vr_routing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_name: Mapped[str] = mapped_column(String(128), default="", unique=True)
    key_type: Mapped[int] = mapped_column(Integer, default=0)
    value_type: Mapped[int] = mapped_column(Integer, default=0)
    key_value: Mapped[str] = mapped_column(String(2048), default="")
    expires: Mapped[int] = mapped_column(Integer, default=0)
    route_sip_id: Mapped[int] = mapped_column(Integer, index=True)
