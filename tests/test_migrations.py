"""Migrations: they build exactly the models' schema, and carry existing data forward."""

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from voiceroute.db import Database
from voiceroute.models import Base, PhoneNumber, RoutingEntry, VoiceRoute
from voiceroute.services.dataplane import resync_all


def test_the_migrated_schema_is_the_models_schema(migrated_database):
    with migrated_database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_upgrading_a_database_with_routes_and_numbers(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    db.upgrade("0002")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (key, name, secret_hash, enabled, created_at) "
                "VALUES ('DID-x', 'old', 'h', 1, '2026-01-01 00:00:00')"
            )
        )
        for n in range(3):
            connection.execute(
                text(
                    "INSERT INTO voice_routes (id, account_id, version, created_at, updated_at, "
                    "route_name, route_type, route_enabled, intelligent_route_enabled, "
                    "voice_url_method, voice_authentication_type, callback_voice_url_method, "
                    "trunk_transport1, trunk_transport2, trunk_enabled1, trunk_enabled2, "
                    "trunk1_priority, trunk2_priority, trunk1_weight, trunk2_weight, "
                    "enable_sip_refer, symmetric_rtp, enable_trp_secure_trunk, "
                    "enable_pstn_transfer, cnam_lookup, ip_whitelist, enable_call_streaming, "
                    "trunk_ip1) VALUES (:id, 1, 1, :at, :at, 'r', 'Trunk', 1, 0, 'POST', 'None', "
                    "'POST', 'UDP', 'UDP', 1, 1, 1, 2, 1, 1, 0, 0, 0, 0, 0, '[]', 0, '10.0.0.1')"
                ),
                {"id": f"CRID-{n}", "at": f"2026-01-0{n + 1} 00:00:00"},
            )
        connection.execute(
            text(
                "INSERT INTO phone_numbers (id, account_id, number, voice_enabled, "
                "voice_route_id, order_id, created_at) VALUES "
                "(:id, 1, '+14155550100', 1, 'CRID-1', 'JNUOID-x', '2026-01-01 00:00:00')"
            ),
            {"id": f"NID-{uuid.uuid4()}"},
        )

    db.upgrade()

    with db.read() as session:
        assert [
            (r.id, r.sip_id) for r in session.scalars(select(VoiceRoute).order_by(VoiceRoute.id))
        ] == [("CRID-0", 1), ("CRID-1", 2), ("CRID-2", 3)]
        assert session.scalar(select(PhoneNumber.voice_route_id)) == "CRID-1"
        # The data-plane tables start empty, until the data plane's start-up resync fills them.
        assert session.scalars(select(RoutingEntry)).all() == []

    assert resync_all(db) == 3
    with db.read() as session:
        assert [e.key_name for e in session.scalars(select(RoutingEntry))] == ["n:+14155550100"]
    db.dispose()
