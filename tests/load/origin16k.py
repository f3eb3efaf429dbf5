#!/usr/bin/env python3
"""A loopback origin for the memory and start-up scripts: /p/N answers a distinct 16 KB page
(public, max-age=86400) for any N, its filler one repeated paragraph (compresses to a few hundred
bytes); /t/N a distinct 16 KB page of prose-like text (words of a 2,000-word vocabulary at Zipf
frequencies, seeded by N: gzip 6 brings it to about a third, as with real article pages); /big/N
answers 12 MB (public, max-age=86400) chunked, without Content-Length; /health answers ok. Usage: origin16k.py PORT"""
import random
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FILLER = (b"<p>" + b"x" * 1000 + b"</p>\n") * 16
CHUNK = b"y" * 65536
_words = random.Random(0)
VOCABULARY = ["".join(_words.choice("etaoinshrdlucmfwypvbgkqjxz"[:_words.randint(8, 26)]) for _ in range(_words.randint(2, 10)))
              for _ in range(2000)]
ZIPF = [1 / (rank + 1) for rank in range(2000)]   # word frequencies of real text fall off with rank


def prose(n):
    """16 KB of paragraphs of words, the same for the same n."""
    rng = random.Random(n)
    out = [b"<!doctype html><title>/t/%d</title>" % n]
    size = len(out[0])
    while size < 16384:
        paragraph = ("<p>" + " ".join(rng.choices(VOCABULARY, ZIPF, k=60)) + ".</p>\n").encode()
        out.append(paragraph)
        size += len(paragraph)
    return b"".join(out)[:16384]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle and delayed ACKs add 40 ms per keep-alive request.
    disable_nagle_algorithm = True

    def do_GET(self):
        if self.path == "/health":
            body, cc = b"ok", "no-store"
        elif self.path.startswith("/p/"):
            body = (b"<!doctype html><title>%s</title>" % self.path.encode() + FILLER)[:16384]
            cc = "public, max-age=86400"
        elif self.path.startswith("/t/") and self.path[3:].isdigit():
            body, cc = prose(int(self.path[3:])), "public, max-age=86400"
        elif self.path.startswith("/big/"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Cache-Control", "public, max-age=86400")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(12 * 16):  # 12 MB in 64 KB chunks
                self.wfile.write(b"10000\r\n" + CHUNK + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
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
