#!/usr/bin/env python3
"""A loopback origin for the memory and start-up scripts: /p/N answers a distinct 16 KB page
(public, max-age=86400) for any N; /health answers ok. Usage: origin16k.py PORT"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FILLER = (b"<p>" + b"x" * 1000 + b"</p>\n") * 16


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/health":
            body, cc = b"ok", "no-store"
        elif self.path.startswith("/p/"):
            body = (b"<!doctype html><title>%s</title>" % self.path.encode() + FILLER)[:16384]
            cc = "public, max-age=86400"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Cache-Control", cc)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
