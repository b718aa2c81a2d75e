#!/usr/bin/env python3
"""An MCP server on streamable HTTP for Charter's tests, built with the reference Python SDK
(`pip install mcp`): two tools behind a bearer token on 127.0.0.1.

    python3 mcp-http-server.py --port PORT --token TOKEN
"""
import argparse

import uvicorn
from mcp.server.mcpserver import MCPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--token", required=True)
options = parser.parse_args()

server = MCPServer("charter-test-http")


@server.tool()
def add(a: int, b: int) -> str:
    """Adds two integers."""
    return str(a + b)


@server.tool()
def fail() -> str:
    """Always fails."""
    raise ValueError("this tool always fails")


class RequireBearer:
    """Answers 401 to any request without `Authorization: Bearer TOKEN`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"authorization") != b"Bearer " + options.token.encode():
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": b"missing or wrong bearer token"})
                return
        await self.app(scope, receive, send)


uvicorn.run(RequireBearer(server.streamable_http_app()), host="127.0.0.1", port=options.port,
            log_level="warning")
