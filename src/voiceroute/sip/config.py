"""Render the Kamailio configuration shipped as ``kamailio.cfg`` for one node's settings.

The template uses ``@@NAME@@`` placeholders (Kamailio uses ``$`` and braces itself, and a
``#!define`` value is not expanded inside a quoted string). Every value that lands in a quoted
string is quoted and escaped here, so a password with a quote in it cannot break the script.
"""

from __future__ import annotations

import ipaddress
import re
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote

from sqlalchemy.engine import make_url

from voiceroute.config import Settings, split_list
from voiceroute.errors import ConfigurationError

TEMPLATE = "kamailio.cfg"
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
_LISTEN = re.compile(r"^(udp|tcp|tls):(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+):(\d{1,5})$")
_SIP_URI = re.compile(r"^sips?:(?:[^@;?]*@)?(\[[0-9A-Fa-f:.]+\]|[^:;?\[\]]+)(?::(\d{1,5}))?")
_LOG_LEVELS = {"DEBUG": 3, "INFO": 2, "WARNING": 0, "WARN": 0, "ERROR": -1, "CRITICAL": -2}


def template_text() -> str:
    return resources.files("voiceroute.sip").joinpath(TEMPLATE).read_text(encoding="utf-8")


def kamailio_db_url(sqlalchemy_url: str) -> str:
    """A SQLAlchemy URL as Kamailio's db modules want it.

    ``sqlite:///relative.db`` -> ``sqlite:////abs/path/relative.db`` (checked on 5.6);
    ``postgresql+psycopg://user:pass@host:5432/db`` -> ``postgres://user:pass@host:5432/db``.
    """
    url = make_url(sqlalchemy_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigurationError("Kamailio needs an SQLite file, not an in-memory database")
        # db_sqlite takes what follows "sqlite:///" as the path: an absolute one keeps its
        # own leading slash (four slashes in all).
        return f"sqlite:///{Path(url.database).resolve()}"
    if backend == "postgresql":
        credentials = ""
        if url.username:
            credentials = quote(unquote(url.username), safe="")
            if url.password is not None:
                credentials += ":" + quote(str(url.password), safe="")
            credentials += "@"
        host = url.host or "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"postgres://{credentials}{host}:{url.port or 5432}/{url.database or ''}"
    raise ConfigurationError(
        f"Kamailio supports SQLite and PostgreSQL, not {backend!r} ({url.drivername})"
    )


def db_module(kamailio_url: str) -> str:
    return "db_sqlite" if kamailio_url.startswith("sqlite:") else "db_postgres"


def render_config(settings: Settings, *, database_url: str, rpc_socket: Path) -> str:
    """The complete ``kamailio.cfg`` for ``settings``, reading tables from ``database_url``."""
    db_url = kamailio_db_url(database_url)
    listens = [_listen_line(item) for item in split_list(settings.sip_listen)]
    if not listens:
        raise ConfigurationError("VOICEROUTE_SIP_LISTEN names no socket")
    uses_tcp = any(not item.startswith("udp:") for item in split_list(settings.sip_listen))
    upstream = settings.sip_upstream.strip() if settings.sip_upstream else ""
    upstream_hostport = _upstream_hostport(upstream) if upstream else "invalid.invalid"
    domain = settings.sip_domain.strip().lower().rstrip(".")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", domain):
        raise ConfigurationError(f"VOICEROUTE_SIP_DOMAIN is not a domain name: {domain!r}")
    values = {
        "LOG_LEVEL": str(_LOG_LEVELS.get(settings.log_level.upper(), 1)),
        "WORKERS": str(settings.sip_workers),
        "DISABLE_TCP": "" if uses_tcp else "disable_tcp=yes",
        "DOMAIN_ALIAS": domain,
        "DOMAIN_TEXT": domain,
        "LISTEN": "\n".join(listens),
        "DB_MODULE": db_module(db_url),
        "DB_URL": _string(db_url),
        "RPC_SOCKET": _string(str(rpc_socket)),
        "FR_TIMER_MS": str(settings.sip_no_answer_timeout_ms),
        "PROBE_INTERVAL": str(settings.sip_probe_interval),
        "PING_FROM": _string(f"sip:probe@{domain}"),
        # [.] rather than \. : no backslash has to survive Kamailio's string escapes.
        "TERMINATION_HOST_REGEX": _string(
            "^[a-z0-9]([a-z0-9-]*[a-z0-9])?[.]" + domain.replace(".", "[.]") + "$"
        ),
        "CARRIER_CONDITION": _carrier_condition(split_list(settings.sip_carriers)),
        "WIDE_FAILOVER": "1" if settings.sip_wide_failover else "0",
        "REFUSE_WITHOUT_UPSTREAM": (
            "# sip_upstream is configured"
            if upstream
            else 'sl_send_reply("503", "No upstream carrier configured (sip_upstream)"); exit;'
        ),
        "UPSTREAM": _string(upstream or "sip:invalid.invalid"),
        "UPSTREAM_HOSTPORT": _string(upstream_hostport),
    }
    text = template_text()
    missing = set(_PLACEHOLDER.findall(text)) - set(values)
    if missing:
        raise ConfigurationError(f"kamailio.cfg template has unknown placeholders: {missing}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _string(value: str) -> str:
    """A Kamailio double-quoted string literal."""
    if any(ord(ch) < 0x20 for ch in value):
        raise ConfigurationError(f"control character in a Kamailio setting: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _listen_line(item: str) -> str:
    match = _LISTEN.match(item)
    if not match:
        raise ConfigurationError(
            f"VOICEROUTE_SIP_LISTEN entry {item!r} is not proto:address:port "
            "(proto udp, tcp or tls)"
        )
    port = int(match.group(3))
    if not 1 <= port <= 65_535:
        raise ConfigurationError(f"VOICEROUTE_SIP_LISTEN entry {item!r}: bad port")
    return f"listen={match.group(1)}:{match.group(2)}:{port}"


def _carrier_condition(carriers: list[str]) -> str:
    """``src_ip==net || ...``; ``0`` (never) when no carrier is configured."""
    tests = []
    for carrier in carriers:
        try:
            network = ipaddress.ip_network(carrier, strict=False)
        except ValueError as exc:
            raise ConfigurationError(
                f"VOICEROUTE_SIP_CARRIERS entry {carrier!r} is not an address or CIDR"
            ) from exc
        address = network.network_address
        literal = f"[{address}]" if network.version == 6 else str(address)
        tests.append(f"src_ip=={literal}/{network.prefixlen}")
    return " || ".join(tests) if tests else "0"


def _upstream_hostport(upstream: str) -> str:
    match = _SIP_URI.match(upstream)
    if not match:
        raise ConfigurationError(f"VOICEROUTE_SIP_UPSTREAM is not a SIP URI: {upstream!r}")
    host, port = match.group(1), match.group(2)
    return f"{host}:{port}" if port else host
