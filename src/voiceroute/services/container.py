"""Builds the services a process needs from its settings: one place for the wiring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from voiceroute.config import Settings
from voiceroute.db import Database
from voiceroute.security.encryption import SecretBox
from voiceroute.security.keys import derive_key
from voiceroute.security.tokens import TokenSigner
from voiceroute.services.auth import Authenticator
from voiceroute.services.explain import ExplainService
from voiceroute.services.idempotency import IdempotencyKeys
from voiceroute.services.phone_numbers import PhoneNumberService
from voiceroute.services.rate_limits import RateLimiter
from voiceroute.services.trunk_health import TrunkHealthService
from voiceroute.services.voice_routes import VoiceRouteService


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    authenticator: Authenticator
    rate_limiter: RateLimiter
    voice_routes: VoiceRouteService
    phone_numbers: PhoneNumberService
    explain: ExplainService
    trunk_health: TrunkHealthService

    @classmethod
    def build(cls, settings: Settings, db: Database | None = None) -> Services:
        db = db or Database(settings.effective_database_url)
        master_key = settings.master_key
        keys = IdempotencyKeys(derive_key(master_key, "idempotency-fingerprint"))
        return cls(
            settings=settings,
            db=db,
            authenticator=Authenticator(
                db, TokenSigner(master_key, timedelta(seconds=settings.token_ttl_seconds))
            ),
            rate_limiter=RateLimiter(db, settings.rate_limit),
            voice_routes=VoiceRouteService(
                db, SecretBox(master_key), keys, settings.allow_private_targets
            ),
            phone_numbers=PhoneNumberService(db, keys),
            explain=ExplainService(db, widened_failover=settings.sip_wide_failover),
            trunk_health=TrunkHealthService(db),
        )
