"""Settings, read once from ``VOICEROUTE_*`` environment variables.

Everything that varies between deployments lives here and nowhere else. ``load_settings`` fails
fast, naming the variable, when a value is unusable.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from voiceroute.errors import ConfigurationError

MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOICEROUTE_", frozen=True, extra="ignore")

    data_dir: Path = Field(
        default=Path("./var"), description="Where the embedded default keeps its files."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; unset means SQLite at <data_dir>/voiceroute.sqlite3.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs tokens and encrypts secrets at rest. Generated into the data "
        "directory for the embedded SQLite default; required with any other database.",
    )
    token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    rate_limit: int = Field(default=50, ge=0, description="Requests a minute per account; 0 = off.")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65_535)
    log_level: str = "INFO"
    allow_private_targets: bool = Field(
        default=False,
        description="Accept VoiceUrl, CallbackVoiceUrl and WssUri on loopback, link-local, "
        "private or metadata addresses (for labs and tests only).",
    )

    # --- the SIP data plane (Kamailio), see README "Data plane" ---
    sip_listen: str = Field(
        default="udp:127.0.0.1:5060",
        description="Kamailio listen sockets, comma-separated: proto:address:port.",
    )
    sip_domain: str = Field(
        default="sip.voiceroute.localhost",
        description="Termination URIs are sip:<number>@<TerminationUriSubdomain>.<this>.",
    )
    sip_carriers: str = Field(
        default="",
        description="Addresses or CIDRs of the upstream carriers allowed to send inbound "
        "calls, comma-separated. Empty: no inbound call is accepted.",
    )
    sip_upstream: str | None = Field(
        default=None,
        description="SIP URI of the upstream carrier for termination and Forward routes.",
    )
    sip_wide_failover: bool = Field(
        default=False,
        description="Also fail over on 408, 480, 500, 502, 504 (not only 503, timeouts and "
        "transport failures).",
    )
    sip_no_answer_timeout_ms: int = Field(
        default=3000,
        ge=200,
        le=60_000,
        description="A trunk that sends no reply at all for this long is failed over.",
    )
    sip_probe_interval: int = Field(
        default=10, ge=1, le=3600, description="Seconds between OPTIONS probes of trunks."
    )
    sip_shm_mb: int = Field(default=512, ge=64, description="Kamailio shared memory (MB).")
    sip_workers: int = Field(default=4, ge=1, le=64, description="Kamailio UDP workers.")
    kamailio_binary: str = Field(default="kamailio", description="The kamailio executable.")

    @field_validator("secret_key")
    @classmethod
    def _secret_key_long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"VOICEROUTE_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters; "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'voiceroute.sqlite3').resolve()}"

    @property
    def uses_embedded_database(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @cached_property
    def master_key(self) -> bytes:
        """The root secret every derived key (token signing, field encryption) comes from."""
        if self.secret_key is not None:
            return self.secret_key.encode()
        if not self.uses_embedded_database:
            # Replicas sharing a production database must share the key, so it cannot be
            # generated per machine.
            raise ConfigurationError(
                "VOICEROUTE_SECRET_KEY is required when VOICEROUTE_DATABASE_URL is set"
            )
        return _load_or_create_key_file(self.data_dir / "secret_key")


def _load_or_create_key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    key = base64.urlsafe_b64encode(secrets.token_bytes(48))
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def load_settings() -> Settings:
    return Settings()


def split_list(value: str) -> list[str]:
    """A comma-separated setting as a list, blanks dropped."""
    return [item.strip() for item in value.split(",") if item.strip()]
