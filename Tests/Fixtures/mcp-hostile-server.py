#!/usr/bin/env python3
"""A deliberately misbehaving MCP stdio server for Charter's tests (standard library only).

    python3 mcp-hostile-server.py MODE

Modes: `good` (answers properly), `banner` (prints a line that is not JSON-RPC first), `silent`
(never answers), `old` (claims an unknown protocol version), `ping-first` (pings the client and
answers `initialize` only once the ping is answered), `many` (lists 300 tools over pages,
with names a client must refuse), `loop` (its tools/list cursor never ends), `no-tools` (offers no
tools capability). Tools: `echo`, `hang` (never answers), `exit` (exits with status 3 after a line
on stderr), `flood` (writes 20 MiB without a newline), `big` (a 200 KiB text result), `fail`
(isError), `mixed` (text, image, resource and link blocks), `spawn` (starts `sleep` in the
background and returns its pid), `slow-garbage` (answers with a non-JSON line), `refuse` (answers
with a JSON-RPC error), `connect` (asks the sandbox's proxy on 127.0.0.1:3128 for `text`, a
`host:port`, and returns its first answer line), `environment` (its environment as JSON).
"""
import json
import os
import socket
import subprocess
import sys

mode = sys.argv[1] if len(sys.argv) > 1 else "good"


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def tool(name, schema=None):
    return {"name": name, "description": "The %s tool." % name,
            "inputSchema": schema or {"type": "object", "properties": {"text": {"type": "string"}}},
            "annotations": {"readOnlyHint": True, "destructiveHint": False}}


TOOLS = [tool(n) for n in ["echo", "hang", "exit", "flood", "big", "fail", "mixed", "spawn", "slow-garbage",
                           "refuse", "connect", "environment"]]
if mode == "many":
    TOOLS = [tool(""), tool("has space"), tool("x" * 65), tool("star*"), tool("t\u00e9"), tool("echo"),
             tool("echo"), tool("not-an-object", {"type": "string"})]
    TOOLS += [tool("t%03d" % i) for i in range(300)]
PAGE = 100

if mode == "banner":
    print("my-server 1.0 starting, hello!")
    sys.stdout.flush()

pending_initialize = None
for line in sys.stdin:
    message = json.loads(line)
    method, ident = message.get("method"), message.get("id")
    if method is None:  # a response: to the ping of `ping-first`
        if ident == "ping-1" and message.get("result") == {} and pending_initialize is not None:
            send({"jsonrpc": "2.0", "id": pending_initialize, "result": {
                "protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                "serverInfo": {"name": "hostile", "version": "0.1"}}})
        continue
    if ident is None:
        continue  # notifications
    if method == "initialize":
        if mode == "silent":
            continue
        if mode == "ping-first":
            pending_initialize = ident
            send({"jsonrpc": "2.0", "id": "ping-1", "method": "ping"})
            continue
        version = "1999-01-01" if mode == "old" else message["params"]["protocolVersion"]
        capabilities = {} if mode == "no-tools" else {"tools": {"listChanged": False}}
        send({"jsonrpc": "2.0", "id": ident, "result": {
            "protocolVersion": version, "capabilities": capabilities,
            "serverInfo": {"name": "hostile", "version": "0.1"}}})
    elif method == "tools/list":
        if mode == "loop":
            send({"jsonrpc": "2.0", "id": ident, "result": {"tools": TOOLS[:1], "nextCursor": "again"}})
            continue
        start = int((message.get("params") or {}).get("cursor") or 0)
        result = {"tools": TOOLS[start:start + PAGE]}
        if start + PAGE < len(TOOLS):
            result["nextCursor"] = str(start + PAGE)
        send({"jsonrpc": "2.0", "id": ident, "result": result})
    elif method == "tools/call":
        name = message["params"]["name"]
        arguments = message["params"].get("arguments") or {}
        text = None
        if name == "hang":
            continue
        if name == "exit":
            sys.stderr.write("boom: giving up on purpose\n")
            sys.stderr.flush()
            os._exit(3)
        if name == "flood":
            sys.stdout.write("x" * (20 * 1024 * 1024))
            sys.stdout.flush()
            continue
        if name == "slow-garbage":
            print("this is not JSON")
            sys.stdout.flush()
            continue
        if name == "spawn":
            child = subprocess.Popen(["sleep", "1000"])
            text = str(child.pid)
        if name == "echo":
            text = json.dumps(arguments, sort_keys=True)
        if name == "environment":
            text = json.dumps(dict(os.environ), sort_keys=True)
        if name == "connect":
            try:
                with socket.create_connection(("127.0.0.1", 3128), timeout=10) as proxy:
                    target = arguments.get("text", "")
                    proxy.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target, target)).encode())
                    text = proxy.makefile("rb").readline().decode(errors="replace").strip()
            except OSError as error:
                text = "no proxy: %s" % error
        if name == "big":
            text = "y" * (200 * 1024)
        if name == "fail":
            send({"jsonrpc": "2.0", "id": ident, "result": {
                "content": [{"type": "text", "text": "the thing failed"}], "isError": True}})
            continue
        if name == "mixed":
            send({"jsonrpc": "2.0", "id": ident, "result": {"content": [
                {"type": "text", "text": "first"},
                {"type": "image", "data": "A" * 16384, "mimeType": "image/png"},
                {"type": "resource", "resource": {"uri": "file:///notes.txt", "text": "notes"}},
                {"type": "resource", "resource": {"uri": "file:///a.bin", "mimeType": "application/zip",
                                                  "blob": "AAAA"}},
                {"type": "resource_link", "uri": "file:///b.txt", "name": "b"}]}})
            continue
        if text is None:
            send({"jsonrpc": "2.0", "id": ident, "error": {"code": -32602, "message": "Unknown tool: " + name}})
            continue
        send({"jsonrpc": "2.0", "id": ident, "result": {"content": [{"type": "text", "text": text}]}})
    else:
        send({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "Method not found"}})
