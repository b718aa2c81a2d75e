"""A webhook receiver for the notification tests, verifying signatures the way the docs tell
receivers to: HMAC-SHA256 over `t.BODY`, compared in constant time.

    python3 webhook-receiver.py --port PORT --secret SECRET --dir DIR

Paths: /ok answers 200; /fail-once answers 500 the first time, then 200; /huge answers 200 with
8 MiB; /hang never answers; /slack answers 200 (a Slack-shaped receiver: `text` required).
Each request is written to DIR as JSON: path, verified, headers, body.
"""
import argparse
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = set()
lock = threading.Lock()


def handler(secret, directory):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            verified = False
            header = self.headers.get("Charter-Signature", "")
            parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
            if "t" in parts and "v1" in parts:
                expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
                verified = hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 10**9
            record = {"path": self.path, "verified": verified, "headers": dict(self.headers),
                      "body": body.decode("utf-8", "replace")}
            name = os.path.join(directory, str(uuid.uuid4()))
            with open(name + ".tmp", "w") as f:
                json.dump(record, f)
            os.rename(name + ".tmp", name + ".json")
            if self.path == "/hang":
                time.sleep(3600)
                return
            if self.path == "/fail-once":
                with lock:
                    first = self.path not in seen
                    seen.add(self.path)
                if first:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            if self.path == "/slack" and "text" not in json.loads(body or b"{}"):
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = b"x" * (8 << 20) if self.path == "/huge" else b"ok"
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return H


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(args.secret, args.dir))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
