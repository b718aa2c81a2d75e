#!/usr/bin/env python3
"""A scripted tool-calling model on 127.0.0.1 speaking both wire formats, for agent-loop tests.

Usage: agent-model.py PORT SCRIPT LOGFILE

POST /v1/chat/completions (OpenAI-compatible) and /v1/messages (Anthropic), streamed or not.
SCRIPT is a JSON file: {"turns": [{"text": "...", "calls": [{"name": WIRE, "arguments": JSON_TEXT, "id": ID}]}],
"forever": {"name": WIRE, "arguments": JSON_TEXT}, "answer": "final text", "delayMs": 0}. The turn answered is
the number of assistant messages in the request, so a conversation replayed after a restart gets
the same answers; past the scripted turns it calls `forever` (a model that never stops) or answers
`answer`. A call's id is `call_<turn>_<index>` unless the script gives one. Every request body is appended to LOGFILE as one JSON line. The script is read on every
request, so a test may change it between turns.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, SCRIPT, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def plan(body):
    with open(SCRIPT) as f:
        script = json.load(f)
    index = sum(1 for m in body.get("messages", []) if m.get("role") == "assistant")
    turns = script.get("turns", [])
    if index < len(turns):
        turn = turns[index]
    elif "forever" in script:
        turn = {"text": "", "calls": [script["forever"]]}
    else:
        turn = {"text": script.get("answer", "done"), "calls": []}
    # A call's id is the script's when it gives one (a model or server choosing its own ids).
    calls = [{"id": f"call_{index}_{i}", **c} for i, c in enumerate(turn.get("calls", []))]
    # A slow model, so that a test's kill lands mid-loop.
    time.sleep(script.get("delayMs", 0) / 1000)
    return turn.get("text", ""), calls, max(1, len(json.dumps(body)) // 4)


def parsed(arguments):
    """The arguments as Anthropic's `input`; text that is not JSON stays a string, as a broken
    server might send it."""
    try:
        return json.loads(arguments or "{}")
    except ValueError:
        return arguments


def pieces(text, size=3):
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        with open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "body": body}) + "\n")
        text, calls, prompt_tokens = plan(body)
        if self.path.endswith("/chat/completions"):
            self.openai(body, text, calls, prompt_tokens)
        elif self.path.endswith("/messages"):
            self.anthropic(body, text, calls, prompt_tokens)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def send_json(self, value):
        data = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def event(self, data, name=None):
        line = (f"event: {name}\n" if name else "") + f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n"
        self.wfile.write(line.encode())
        self.wfile.flush()

    def openai(self, body, text, calls, prompt_tokens):
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": 10, "total_tokens": prompt_tokens + 10}
        finish = "tool_calls" if calls else "stop"
        model = body.get("model", "scripted")
        if not body.get("stream"):
            message = {"role": "assistant", "content": text or None}
            if calls:
                message["tool_calls"] = [{"id": c["id"], "type": "function",
                                          "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]
            self.send_json({"id": "x", "object": "chat.completion", "model": model,
                            "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage})
            return
        self.start_stream()
        if text:
            for piece in pieces(text, 8):
                self.event({"model": model, "choices": [{"index": 0, "delta": {"content": piece}}]})
        for i, c in enumerate(calls):
            self.event({"model": model, "choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": i, "id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": ""}}]}}]})
            for piece in pieces(c["arguments"]):
                self.event({"model": model, "choices": [{"index": 0, "delta": {"tool_calls": [
                    {"index": i, "function": {"arguments": piece}}]}}]})
        self.event({"model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        self.event({"model": model, "choices": [], "usage": usage})
        self.event("[DONE]")

    def anthropic(self, body, text, calls, prompt_tokens):
        model = body.get("model", "scripted")
        stop = "tool_use" if calls else "end_turn"
        usage = {"input_tokens": prompt_tokens, "output_tokens": 10}
        if not body.get("stream"):
            content = ([{"type": "text", "text": text}] if text else []) + [
                {"type": "tool_use", "id": c["id"], "name": c["name"], "input": parsed(c["arguments"])}
                for c in calls]
            self.send_json({"id": "m", "type": "message", "role": "assistant", "model": model, "content": content,
                            "stop_reason": stop, "usage": usage})
            return
        self.start_stream()
        self.event({"type": "message_start", "message": {"id": "m", "type": "message", "role": "assistant",
                    "model": model, "content": [], "usage": {"input_tokens": prompt_tokens, "output_tokens": 1}}},
                   "message_start")
        index = 0
        if text:
            self.event({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                       "content_block_start")
            for piece in pieces(text, 8):
                self.event({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
                           "content_block_delta")
            self.event({"type": "content_block_stop", "index": 0}, "content_block_stop")
            index = 1
        for c in calls:
            self.event({"type": "content_block_start", "index": index, "content_block": {
                "type": "tool_use", "id": c["id"], "name": c["name"], "input": {}}}, "content_block_start")
            for piece in pieces(c["arguments"]):
                self.event({"type": "content_block_delta", "index": index,
                            "delta": {"type": "input_json_delta", "partial_json": piece}}, "content_block_delta")
            self.event({"type": "content_block_stop", "index": index}, "content_block_stop")
            index += 1
        self.event({"type": "message_delta", "delta": {"stop_reason": stop}, "usage": {"output_tokens": 10}},
                   "message_delta")
        self.event({"type": "message_stop"}, "message_stop")


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
