"""Encryption at rest for secrets the data plane must be able to use again (webhook passwords)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken

from voiceroute.security.keys import derive_key


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(master_key, "field-encryption")))

    def seal(self, clear: str) -> str:
        return self._fernet.encrypt(clear.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except InvalidToken as exc:
            raise ValueError(
                "stored secret cannot be decrypted with this VOICEROUTE_SECRET_KEY"
            ) from exc
