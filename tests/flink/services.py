#!/usr/bin/env python3
"""Misbehaving local services for the dependency cases of capture.sh.

Prints one line of JSON with the ports it listens on (all on 127.0.0.1), then serves until killed:
  http     HTTP/1.1: /api/rates -> 500, /api/stock -> 503 (Retry-After), anything else -> 200
  reset    accepts, reads the request, closes with SO_LINGER 0 (the peer sees a TCP RST)
  silent   accepts and never answers (read timeouts)
  empty    accepts, reads the request, closes cleanly without a reply
  backlog  listens with a full accept queue and never accepts (connects time out)
  closed   a port nobody listens on (bound once, then closed)
"""
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/api/rates"):
            self.reply(500, b'{"error":"internal error: rates table locked"}')
        elif self.path.startswith("/api/stock"):
            self.reply(503, b'{"error":"service unavailable"}', {"Retry-After": "30"})
        else:
            self.reply(200, b'{"ok":true}')

    def reply(self, code, body, headers=None):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def listener(backlog=64):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    return s


def serve(sock, handle):
    def loop():
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


held = []


def reset(conn):
    conn.settimeout(5)
    try:
        conn.recv(4096)
    except OSError:
        pass
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def silent(conn):
    held.append(conn)


def empty(conn):
    conn.settimeout(5)
    try:
        conn.recv(4096)
    except OSError:
        pass
    conn.close()


def main():
    http = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    ports = {"http": http.server_address[1]}
    for name, handler in (("reset", reset), ("silent", silent), ("empty", empty)):
        s = listener()
        serve(s, handler)
        ports[name] = s.getsockname()[1]
    # A full accept queue: listen(0), fill it with our own connections, never accept.
    b = listener(0)
    ports["backlog"] = b.getsockname()[1]
    for _ in range(8):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", ports["backlog"]))
        held.append(c)
    c = socket.socket()
    c.bind(("127.0.0.1", 0))
    ports["closed"] = c.getsockname()[1]
    c.close()
    print(json.dumps(ports), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
