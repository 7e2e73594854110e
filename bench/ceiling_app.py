"""The ceiling for ``bench/api_load.py``: a bare FastAPI endpoint, no auth, no storage.

Run by ``bench/api_load.py`` (not meant to be run by hand)::

    python bench/ceiling_app.py --port 8123 --answer-file route.json

It answers ``GET /v1.0/voice/routes?CallRouteId=...`` with the JSON that ``voiceroute serve``
gave for a real route (read once from ``--answer-file``, the requested ``CallRouteId`` put in),
and ``GET /v1.0/voice/routes/async`` the same from an ``async def`` endpoint. The first is a
plain ``def`` endpoint like every voiceroute endpoint, so it pays the same threadpool hop; the
second shows what that hop costs. Neither has a response model, middleware, dependency or
database: what is left is FastAPI's routing, query parsing and JSON encoding.

The server settings are those of ``voiceroute serve`` (``voiceroute.cli.serve``): one
``uvicorn.run`` process, default loop and HTTP implementation (``auto``: uvloop and httptools
when installed), ``access_log=False``, ``log_config=None``, ``server_header=False``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Query


def build_app(answer: dict[str, Any]) -> FastAPI:
    app = FastAPI(title="ceiling")

    @app.get("/v1.0/voice/routes")
    def get_route(call_route_id: str = Query(alias="CallRouteId")) -> dict[str, Any]:
        return {**answer, "CallRouteId": call_route_id}

    @app.get("/v1.0/voice/routes/async")
    async def get_route_async(call_route_id: str = Query(alias="CallRouteId")) -> dict[str, Any]:
        return {**answer, "CallRouteId": call_route_id}

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--answer-file", type=Path, required=True)
    args = parser.parse_args()
    answer = json.loads(args.answer_file.read_text())
    uvicorn.run(
        build_app(answer),
        host=args.host,
        port=args.port,
        access_log=False,
        log_config=None,
        server_header=False,
    )


if __name__ == "__main__":
    main()
