"""JSON-RPC to Kamailio's ``jsonrpcs`` module over its datagram (Unix) socket.

``KamailioRpc`` is the real client; ``FakeKamailioRpc`` beside it records calls and answers
from a script, for tests of the code that drives Kamailio.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from voiceroute.errors import RpcError

__all__ = ["FakeKamailioRpc", "KamailioRpc", "Rpc", "RpcError"]


class Rpc(Protocol):
    def call(self, method: str, *params: Any) -> Any: ...


class KamailioRpc:
    def __init__(self, socket_path: Path, timeout: float = 2.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout
        self._ids = itertools.count(1)

    def call(self, method: str, *params: Any) -> Any:
        request_id = next(self._ids)
        request = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": request_id}
        # A datagram socket needs an address of its own for the answer to come back to.
        reply_path = Path(tempfile.gettempdir()) / f"voiceroute-rpc-{os.getpid()}-{request_id}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.settimeout(self.timeout)
            try:
                sock.bind(str(reply_path))
                sock.sendto(json.dumps(request).encode(), str(self.socket_path))
                payload = sock.recv(1 << 20)
            except OSError as exc:
                raise RpcError(f"{method}: no answer from {self.socket_path}: {exc}") from exc
            finally:
                reply_path.unlink(missing_ok=True)
        try:
            answer = json.loads(payload)
        except ValueError as exc:
            raise RpcError(f"{method}: unreadable answer: {payload[:200]!r}") from exc
        if "error" in answer:
            raise RpcError(f"{method}: {answer['error']}")
        return answer.get("result")


class FakeKamailioRpc:
    """Records every call; ``answers`` maps a method to a result or a callable raising."""

    def __init__(self, answers: dict[str, Any | Callable[..., Any]] | None = None) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.answers = answers or {}

    def call(self, method: str, *params: Any) -> Any:
        self.calls.append((method, params))
        answer = self.answers.get(method)
        return answer(*params) if callable(answer) else answer
