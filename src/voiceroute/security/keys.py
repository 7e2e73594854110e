"""Purpose-bound keys derived from the one master key, so no two uses share key material."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(master_key: bytes, purpose: str, length: int = 32) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=f"voiceroute/{purpose}".encode()
    ).derive(master_key)
