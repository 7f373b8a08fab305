"""The floor of ``bench_api.py``: a bare FastAPI application with one route per measured request, answering the
bytes, status and content type the real application answered — no database, no session, no work.

    python bench/api_floor.py SPEC.json PORT [PROCESSES]

Served by uvicorn the way ``jiuzhu serve`` serves the application (one process, the same event loop and HTTP
implementation), so the difference between the two is Jiuzhu's own work."""

from __future__ import annotations

import json
import os
import sys

import uvicorn
from fastapi import FastAPI, Request, Response


def floor_app(spec: list[dict]) -> FastAPI:
    app = FastAPI()
    for item in spec:
        body = item["bytes"].encode("utf-8")

        async def answer(request: Request, body=body, item=item) -> Response:
            if request.method == "POST":
                await request.body()  # read what was posted, as the application does
            return Response(body, status_code=item["status"], media_type=item["content_type"])

        app.add_api_route(item["path"].split("?")[0], answer, methods=[item["method"]])
    return app


def from_environment() -> FastAPI:
    """uvicorn's factory in each process when there are several: the spec's path comes in the environment."""
    with open(os.environ["JIUZHU_FLOOR_SPEC"], encoding="utf-8") as f:
        return floor_app(json.load(f))


if __name__ == "__main__":
    os.environ["JIUZHU_FLOOR_SPEC"] = sys.argv[1]
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    processes = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    uvicorn.run("api_floor:from_environment", factory=True, workers=processes, host="127.0.0.1",
                port=int(sys.argv[2]), log_level="warning", server_header=False)
