#!/usr/bin/env python3
"""Python's http.server for the interop suite: static files of a directory
(GET, HEAD) and POST, which reads the whole Content-Length body and answers
"<length> <sha256 hex>\n", so a body is checked end to end.

httpd.py --bind ADDR (IPv4 or IPv6) --port PORT --root DIR --protocol HTTP/1.0|HTTP/1.1
"""
import argparse
import functools
import hashlib
import http.server
import socket


class Handler(http.server.SimpleHTTPRequestHandler):
    # headers and body leave in one write (flushed after each request), as
    # nginx's writev sends them; unbuffered they leave in two, and a link cut
    # between the two is a response cut mid-way, which no balancer can move
    # to another server (the fail-safe resets it, by design)
    wbufsize = -1

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        left = int(self.headers.get("Content-Length", "0"))
        got = 0
        digest = hashlib.sha256()
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            digest.update(chunk)
            got += len(chunk)
            left -= len(chunk)
        body = f"{got} {digest.hexdigest()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bind", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--protocol", choices=["HTTP/1.0", "HTTP/1.1"], required=True)
    a = p.parse_args()
    Handler.protocol_version = a.protocol
    # a listen backlog like nginx's rather than socketserver's 5, so that a
    # burst of connections is not met by dropped SYNs
    http.server.ThreadingHTTPServer.request_queue_size = 128
    if ":" in a.bind:
        http.server.ThreadingHTTPServer.address_family = socket.AF_INET6
    server = http.server.ThreadingHTTPServer(
        (a.bind, a.port), functools.partial(Handler, directory=a.root))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
