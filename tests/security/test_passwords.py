import pytest

from voiceroute.security import passwords


@pytest.fixture
def production_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", passwords.PRODUCTION_HASHER)


@pytest.mark.usefixtures("production_hashing")
def test_account_secrets_are_hashed_with_argon2id_at_production_cost():
    stored = passwords.hash_secret("a-secret")

    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_secret(stored, "a-secret")
    assert not passwords.verify_secret(stored, "another-secret")


def test_an_unknown_account_costs_a_full_verification_and_never_matches(monkeypatch):
    verified: list[str] = []

    class CountingHasher:
        def verify(self, stored: str, secret: str) -> bool:
            verified.append(stored)
            return passwords.PRODUCTION_HASHER.verify(stored, secret)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())

    assert not passwords.verify_secret(None, "anything")
    assert verified == [passwords._DECOY_HASH]
    assert verified[0].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
