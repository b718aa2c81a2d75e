#!/usr/bin/env python3
"""A small OpenAI-compatible Chat Completions server on 127.0.0.1 for end-to-end tests.

Usage: openai-stub.py PORT EXPECTED_KEY LOGFILE
Answers POST /v1/chat/completions (non-streaming and `stream: true` with usage) when the bearer key
matches, 401 otherwise; appends one JSON line per request (path, model, authorized) to LOGFILE.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, KEY, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        authorized = self.headers.get("Authorization") == f"Bearer {KEY}"
        with open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "model": body.get("model"), "authorized": authorized,
                                  "stream": bool(body.get("stream"))}) + "\n")
        if not authorized:
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error":{"message":"invalid api key","type":"invalid_request_error"}}')
            return
        prompt = body["messages"][-1]["content"]
        text = "stub notes: " + " ".join(prompt.split()[:6])
        usage = {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150,
                 "prompt_tokens_details": {"cached_tokens": 20}}
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in (text[:10], text[10:]):
                chunk = {"id": "c1", "object": "chat.completion.chunk", "model": body["model"],
                         "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            last = {"id": "c1", "object": "chat.completion.chunk", "model": body["model"],
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(last)}\n\n".encode())
            final = {"id": "c1", "object": "chat.completion.chunk", "model": body["model"], "choices": [], "usage": usage}
            self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
            return
        answer = {"id": "c1", "object": "chat.completion", "model": body["model"],
                  "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                  "usage": usage}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
