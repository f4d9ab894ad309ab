#!/usr/bin/env python3
"""Clients of the interop suite (tests/e2e/interop.sh), run in lab-client.

client.py KIND --target IP:PORT --label NAME [common options] [KIND options]

Each run is one cell: a number of operations (--ops N), or operations for
--duration seconds, by --concurrency workers, each operation checked against
what it must give. Every socket wait is bounded by --timeout and every
subprocess by a timeout too; a run stops early after --max-fail failed
operations (what was not done counts as missing). It prints one JSON object:

  want      requests the run had to make (count runs), or null (timed runs)
  requests  requests made;  ok: requests answered correctly
  fail      {kind: count}: timeout, reset, eof (closed before a complete
            answer), partial, refused, wrong (an answer that is not the
            right one), duplicate, missing, curl rc=N, ...
  statuses  {HTTP status: count} of the answers (compared between runs)
  info      counters that explain a run (connections, retries, ...)
  examples  the first failures of each kind, one line each
  pass      every request made and answered correctly

Kinds: curl, post, http, idle, raw, pipeline, reuse, echo, sink, redis (operations
here), ab, wrk, h2load, redis-benchmark (one run of the tool).
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import re
import selectors
import socket
import struct
import subprocess
import sys
import threading
import time


class Fail(Exception):
    def __init__(self, kind, text):
        super().__init__(text)
        self.kind = kind
        self.text = text


class Run:
    """Shared counters of one run."""

    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.requests = 0
        self.ok = 0
        self.fail = {}
        self.statuses = {}
        self.info = {}
        self.examples = []
        self.nfail = 0

    def good(self, status=None):
        with self.lock:
            self.requests += 1
            self.ok += 1
            if status is not None:
                self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def made(self, n=1):   # requests made that were not answered correctly
        with self.lock:
            self.requests += n

    def count(self, key, n=1):
        with self.lock:
            self.info[key] = self.info.get(key, 0) + n

    def failed(self, kind, text):
        """count a failure; the first two of each kind are kept as examples"""
        with self.lock:
            self.fail[kind] = self.fail.get(kind, 0) + 1
            self.nfail += 1
            if self.fail[kind] <= 2 and len(self.examples) < 8:
                self.examples.append(text[:300])

    def result(self, want, seconds):
        missing = 0 if want is None else max(0, want - self.requests)
        if missing:
            self.fail["missing"] = self.fail.get("missing", 0) + missing
        ok = (self.requests > 0 and self.ok == self.requests and not self.fail
              and (want is None or self.ok == want))
        return {"label": self.a.label, "kind": self.a.kind, "want": want,
                "requests": self.requests, "ok": self.ok, "fail": self.fail,
                "statuses": self.statuses, "info": self.info,
                "examples": self.examples, "seconds": round(seconds, 1), "pass": ok}


def classify(e):
    """(kind, text) of an exception raised by an operation"""
    if isinstance(e, Fail):
        return e.kind, e.text
    if isinstance(e, http.client.RemoteDisconnected):
        return "eof", "closed before a response: " + str(e)
    if isinstance(e, http.client.IncompleteRead):
        return "partial", "incomplete body: " + repr(e)
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "timeout", "no progress for the timeout: " + repr(e)
    if isinstance(e, ConnectionRefusedError):
        return "refused", repr(e)
    if isinstance(e, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "reset", repr(e)
    if isinstance(e, subprocess.TimeoutExpired):
        return "timeout", "subprocess killed after its timeout"
    return "error", repr(e)


def run_ops(a, run, op, want_per_op, after=None):
    """Run op(i, src) by a.concurrency workers until a.ops operations (or
    a.duration seconds) are done, or a.max_fail operations failed; then
    after() if given; the run's result."""
    srcs = a.sources.split(",") if a.sources else [None]
    state = {"next": 0}
    start = time.monotonic()

    def worker():
        while True:
            with run.lock:
                if run.nfail >= a.max_fail:
                    return
                if a.ops and state["next"] >= a.ops:
                    return
                if a.duration and time.monotonic() - start >= a.duration:
                    return
                i = state["next"]
                state["next"] += 1
            t0 = time.monotonic()
            try:
                op(i, srcs[i % len(srcs)])
            except Exception as e:  # every failure is counted, none ends the run
                kind, text = classify(e)
                run.failed(kind, f"op {i}: {text}")
            if a.rate:
                rest = 1.0 / a.rate - (time.monotonic() - t0)
                if rest > 0:
                    time.sleep(rest)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if after:
        after()
    want = a.ops * want_per_op if a.ops else None
    return run.result(want, time.monotonic() - start)


# ---------------------------------------------------------------- helpers

def host_port(a):
    h, p = a.target.rsplit(":", 1)
    return h, int(p)


def www_body(a, path):
    """the body a GET of path must give: the file of the document root
    (/fixed and /health are files there too, with what nginx returns)"""
    cache = www_body.cache
    if path not in cache:
        with open(os.path.join(a.www, path.lstrip("/")), "rb") as f:
            cache[path] = f.read()
    return cache[path]


www_body.cache = {}


def connect(a, src):
    s = socket.create_connection(host_port(a), timeout=a.timeout,
                                 source_address=(src, 0) if src else None)
    s.settimeout(a.timeout)
    return s


def read_to_eof(s, limit_s):
    """every byte until EOF; each recv bounded by the socket's timeout, the
    whole read by limit_s"""
    end = time.monotonic() + limit_s
    data = bytearray()
    while True:
        if time.monotonic() > end:
            raise Fail("timeout", f"no EOF after {limit_s} s ({len(data)} bytes read)")
        chunk = s.recv(65536)
        if not chunk:
            return bytes(data)
        data += chunk


def parse_response(data, pos, head=False):
    """one HTTP/1.x response from data[pos:]: (status, headers, body, next
    pos); the body by Content-Length, else to the end"""
    end = data.find(b"\r\n\r\n", pos)
    if end < 0:
        raise Fail("eof" if len(data) == pos else "partial",
                   f"no complete header at byte {pos}: {data[pos:pos + 80]!r}")
    lines = data[pos:end].decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    if not m:
        raise Fail("wrong", f"bad status line {lines[0][:80]!r}")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    body_at = end + 4
    if head:
        return int(m.group(1)), hdrs, b"", body_at
    if "content-length" in hdrs:
        n = int(hdrs["content-length"])
        if len(data) - body_at < n:
            raise Fail("partial", f"body {len(data) - body_at} of {n} bytes")
        return int(m.group(1)), hdrs, data[body_at:body_at + n], body_at + n
    return int(m.group(1)), hdrs, data[body_at:], len(data)


def check_get(status, body, want, what):
    if status != 200:
        raise Fail("wrong", f"{what}: status {status}")
    if body != want:
        raise Fail("wrong", f"{what}: body of {len(body)} bytes (sha256 "
                   f"{hashlib.sha256(body).hexdigest()[:12]}), want {len(want)} bytes")


# ---------------------------------------------------------------- curl

CURL_RC = {28: "timeout", 7: "refused", 52: "eof", 56: "reset", 55: "send-error",
           18: "partial", 35: "tls-error"}


def curl_kind(rc, err):
    if "reset by peer" in err:
        return "reset"
    return CURL_RC.get(rc, f"curl rc={rc}")   # rc 35 without a reset: TLS failed otherwise


def run_curl(a, run, urls, extra, checks):
    """one curl invocation over urls; checks[i](status, body) per URL; the
    bodies come back concatenated on stdout, per URL its status, size,
    connections opened, exit code and error on stderr"""
    def op(i, src):
        cmd = ["curl", "-sS", "--max-time", str(a.timeout * 2), "--connect-timeout", str(a.timeout),
               "-w", "%{stderr}@@ %{http_code} %{size_download} %{num_connects} %{exitcode} %{errormsg}\\n"]
        cmd += extra
        if src:
            cmd += ["--interface", src]
        p = subprocess.run(cmd + urls, capture_output=True, timeout=a.timeout * 2 * len(urls) + 5)
        err = p.stderr.decode("latin-1")
        lines = [ln.split(" ", 5) for ln in err.splitlines() if ln.startswith("@@ ")]
        run.count("connections", sum(int(ln[3]) for ln in lines if len(ln) >= 5))
        pos = 0
        for j, url in enumerate(urls):
            if j >= len(lines) or len(lines[j]) < 5:
                run.made()
                raise Fail(curl_kind(p.returncode, err), f"{url}: no transfer result (curl rc {p.returncode}: {err[-200:]})")
            status, size, rc = int(lines[j][1]), int(lines[j][2]), int(lines[j][4])
            msg = lines[j][5] if len(lines[j]) > 5 else ""
            body = p.stdout[pos:pos + size]
            pos += size
            if rc != 0:
                run.made()
                raise Fail(curl_kind(rc, msg), f"{url}: curl error {rc} ({msg}) after status {status}, {size} bytes")
            try:
                checks[j](status, body)
            except Fail as e:
                run.made()
                raise Fail(e.kind, f"{url}: {e.text}")
            run.good(status)
    return run_ops(a, run, op, len(urls))


def kind_curl(a, run):
    scheme = "https" if a.tls else "http"
    paths = a.paths.split(",")
    urls = [f"{scheme}://{a.target}{p}" for p in paths]
    extra = []
    if a.tls:
        extra.append("-k")
    if a.http10:
        extra.append("--http1.0")
    if a.close:
        extra += ["-H", "Connection: close"]

    def check(path):
        want = www_body(a, path)
        return lambda status, body: check_get(status, body, want, "GET " + path)
    return run_curl(a, run, urls, extra, [check(p) for p in paths])


def kind_post(a, run):
    with open(a.body, "rb") as f:
        data = f.read()
    digest = f"{len(data)} {hashlib.sha256(data).hexdigest()}\n".encode()
    urls = [f"http://{a.target}{a.path}"] * a.per_op
    extra = ["--data-binary", "@" + a.body, "-H", "Content-Type: application/octet-stream",
             "-H", "Expect: 100-continue" if a.expect == "100" else "Expect:"]

    def check(status, body):
        if a.answer == "digest":
            if status != 200 or body != digest:
                raise Fail("wrong", f"status {status}, body {body[:80]!r}, want 200 {digest!r}")
        elif a.answer == "early":
            if status != 200 or body != b"early\n":
                raise Fail("wrong", f"status {status}, body {body[:80]!r}, want 200 'early'")
        elif status != 404:
            raise Fail("wrong", f"status {status}, want 404")
    return run_curl(a, run, urls, extra, [check] * a.per_op)


# ---------------------------------------------------------------- http.client

def kind_http(a, run):
    """keep-alive connections of http.client, --per-op requests each: GET
    of --paths, HEAD, and with --post POST bodies checked by the server's
    length and sha256 (--big-every N: every Nth POST is 1 MiB)"""
    paths = a.paths.split(",")
    host, port = host_port(a)

    def op(i, src):
        conn = http.client.HTTPConnection(host, port, timeout=a.timeout,
                                          source_address=(src, 0) if src else None)
        rnd = random.Random(i)
        socks = set()
        try:
            for j in range(a.per_op):
                k = (i + j) % (3 if a.post else 2)
                path = paths[(i + j) % len(paths)]
                try:
                    if k == 0:
                        conn.request("GET", path)
                        r = conn.getresponse()
                        socks.add(id(conn.sock))
                        check_get(r.status, r.read(), www_body(a, path), "GET " + path)
                    elif k == 1:
                        conn.request("HEAD", path)
                        r = conn.getresponse()
                        socks.add(id(conn.sock))
                        r.read()
                        want = len(www_body(a, path))
                        if r.status != 200 or r.getheader("Content-Length") != str(want):
                            raise Fail("wrong", f"HEAD {path}: status {r.status}, "
                                       f"Content-Length {r.getheader('Content-Length')}, want {want}")
                    else:
                        big = a.big_every and rnd.randrange(a.big_every) == 0
                        body = rnd.randbytes(1 << 20 if big else rnd.randint(1, 65536))
                        conn.request("POST", path, body=body,
                                     headers={"Content-Type": "application/octet-stream"})
                        r = conn.getresponse()
                        socks.add(id(conn.sock))
                        got = r.read()
                        want = f"{len(body)} {hashlib.sha256(body).hexdigest()}\n".encode()
                        if r.status != 200 or got != want:
                            raise Fail("wrong", f"POST {len(body)} bytes: status {r.status}, {got[:80]!r}")
                except Exception:
                    run.made()
                    raise
                run.good(r.status)
        finally:
            run.count("connections", len(socks))
            conn.close()
    return run_ops(a, run, op, a.per_op)


def kind_idle(a, run):
    """keep-alive connections of http.client that idle --idle seconds before
    each request after the first; as real clients do, a request whose
    connection was closed before any response (EOF) is sent once more on a
    new connection (counted: retries); anything else fails"""
    paths = a.paths.split(",")
    host, port = host_port(a)

    def op(i, src):
        def new():
            return http.client.HTTPConnection(host, port, timeout=a.timeout,
                                              source_address=(src, 0) if src else None)
        conn = new()
        try:
            for j in range(a.per_op):
                path = paths[(i + j) % len(paths)]
                if j:
                    time.sleep(a.idle)
                try:
                    try:
                        conn.request("GET", path)
                        r = conn.getresponse()
                    except http.client.RemoteDisconnected:
                        run.count("retries")
                        conn.close()
                        conn = new()
                        conn.request("GET", path)
                        r = conn.getresponse()
                    check_get(r.status, r.read(), www_body(a, path), "GET " + path)
                except Exception:
                    run.made()
                    raise
                run.good(r.status)
        finally:
            conn.close()
    return run_ops(a, run, op, a.per_op)


# ---------------------------------------------------------------- raw sockets

def kind_raw(a, run):
    """a GET read until EOF: HTTP/1.0, or HTTP/1.1 with Connection: close"""
    host = host_port(a)[0]
    if a.version == "1.0":
        req = f"GET {a.path} HTTP/1.0\r\nHost: {host}\r\n\r\n"
    else:
        req = f"GET {a.path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    want = www_body(a, a.path)

    def op(i, src):
        run.made()
        with connect(a, src) as s:
            s.sendall(req.encode())
            data = read_to_eof(s, a.timeout * 3)
        status, hdrs, body, end = parse_response(data, 0)
        check_get(status, body, want, "GET " + a.path)
        if end != len(data):
            raise Fail("wrong", f"{len(data) - end} bytes after the response")
        with run.lock:
            run.ok += 1
            run.statuses[str(status)] = run.statuses.get(str(status), 0) + 1
    return run_ops(a, run, op, 1)


def kind_reuse(a, run):
    """a GET, then the connection dropped without a word to the appliance
    (SO_LINGER 0: its reset, RST|ACK, dropped in lab-client by the suite),
    then a second GET on a new connection from the same address and port.
    --reuse idle: a keep-alive GET, then --idle seconds (past nginx's
    keepalive_timeout, so the server closes it); close: a GET with
    Connection: close read to EOF (the server closes it). Each operation's
    port: --port-base + 1000 * (target port // 10000) + i (the -on and -off
    services apart, below the ephemeral ports). info: aborts (resets sent),
    SYNs resent (a first SYN not answered with a SYN-ACK)."""
    host, port = host_port(a)
    close = a.reuse == "close"
    req = (f"GET {a.path} HTTP/1.1\r\nHost: {host}\r\n"
           + ("Connection: close\r\n" if close else "") + "\r\n").encode()
    want = www_body(a, a.path)

    def exchange_one(src, sport, what):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(a.timeout)
        s.bind((src or "0.0.0.0", sport))
        s.connect((host, port))
        # tcpi_total_retrans (struct tcp_info, byte 100): SYNs sent again
        resent = struct.unpack_from("I", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 100)[0]
        if resent:
            run.count(f"{what} SYN resent", resent)
        s.sendall(req)
        data = bytearray()
        while True:   # one response: to EOF if the server closes, else by its length
            try:
                status, _, body, _ = parse_response(bytes(data), 0)
                if not close:
                    break
            except Fail:
                pass
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        status, _, body, _ = parse_response(bytes(data), 0)
        check_get(status, body, want, f"{what} GET {a.path} from port {sport}")
        return s, status

    def answered(status):
        with run.lock:
            run.ok += 1
            run.statuses[str(status)] = run.statuses.get(str(status), 0) + 1

    def op(i, src):
        sport = a.port_base + 1000 * (port // 10000) + i
        run.made()
        s, status = exchange_one(src, sport, "first")
        answered(status)
        if not close:
            time.sleep(a.idle)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        run.count("aborts")
        run.made()
        s, status = exchange_one(src, sport, "second")
        s.close()
        answered(status)
    return run_ops(a, run, op, 2)


def kind_pipeline(a, run):
    """three GETs in one write, the last with Connection: close; read to
    EOF; three complete responses and nothing more"""
    host = host_port(a)[0]
    paths = a.paths.split(",")
    req = "".join(f"GET {p} HTTP/1.1\r\nHost: {host}\r\n"
                  + ("Connection: close\r\n" if k == len(paths) - 1 else "") + "\r\n"
                  for k, p in enumerate(paths))

    def op(i, src):
        with connect(a, src) as s:
            s.sendall(req.encode())
            try:
                data = read_to_eof(s, a.timeout * 3)
            except Exception:
                run.made(len(paths))
                raise
        pos = 0
        for k, p in enumerate(paths):
            try:
                status, hdrs, body, pos = parse_response(data, pos)
                check_get(status, body, www_body(a, p), f"response {k + 1} (GET {p})")
            except Fail:
                run.made(len(paths) - k)
                raise
            run.good(status)
        if pos != len(data):
            raise Fail("wrong", f"{len(data) - pos} bytes after the three responses")
    return run_ops(a, run, op, len(paths))


# ---------------------------------------------------------------- opaque TCP

def exchange(s, payload, limit_s):
    """send payload while reading, then half-close; everything read until EOF"""
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    got = bytearray()
    sent = 0
    shut = False
    end = time.monotonic() + limit_s
    idle_to = s.gettimeout() if s.gettimeout() else 5
    last = time.monotonic()
    try:
        while True:
            now = time.monotonic()
            if now > end or now - last > idle_to:
                raise Fail("timeout", f"sent {sent}/{len(payload)}, read {len(got)}, no EOF")
            for key, ev in sel.select(timeout=0.2):
                if ev & selectors.EVENT_WRITE:
                    if sent < len(payload):
                        try:
                            n = s.send(payload[sent:sent + 65536])
                        except BlockingIOError:
                            n = 0
                        sent += n
                        if n:
                            last = time.monotonic()
                    if sent == len(payload) and not shut:
                        s.shutdown(socket.SHUT_WR)
                        shut = True
                        sel.modify(s, selectors.EVENT_READ)
                if ev & selectors.EVENT_READ:
                    try:
                        chunk = s.recv(65536)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        if not shut:
                            raise Fail("eof", f"EOF after {sent}/{len(payload)} bytes sent")
                        return bytes(got)
                    got += chunk
                    last = time.monotonic()
    finally:
        sel.close()


def kind_echo(a, run):
    """send N bytes (--min-size..--max-size), half-close, read back exactly
    those N bytes"""
    def op(i, src):
        rnd = random.Random(i)
        payload = rnd.randbytes(rnd.randint(a.min_size, a.max_size))
        run.made()
        with connect(a, src) as s:
            got = exchange(s, payload, a.timeout * 3)
        if got != payload:
            raise Fail("partial" if len(got) < len(payload) else "wrong",
                       f"sent {len(payload)} bytes, read back {len(got)}"
                       + (" (different)" if len(got) == len(payload) else ""))
        with run.lock:
            run.ok += 1
        run.count("bytes", len(payload))
    return run_ops(a, run, op, 1)


def kind_sink(a, run):
    """send N bytes tagged with this run's label and the operation, shut
    down, read until EOF (nothing may come back); then the servers' files
    (--dir) must hold every payload exactly once, byte for byte"""
    sent = {}
    broken = set()

    def op(i, src):
        rnd = random.Random(i)
        tag = f"{a.label}:{i}:".encode().ljust(48, b".")
        payload = tag + rnd.randbytes(rnd.randint(a.min_size, a.max_size))
        with run.lock:
            sent[tag] = payload
            run.requests += 1
        try:
            with connect(a, src) as s:
                got = exchange(s, payload, a.timeout * 3)
            if got:
                raise Fail("wrong", f"the sink answered {len(got)} bytes")
        except Exception:
            with run.lock:
                broken.add(tag)
            raise

    def after():
        # the servers write a file per connection: give them a moment to finish
        end = time.monotonic() + 5
        while True:
            found = {}
            for name in os.listdir(a.dir):
                with open(os.path.join(a.dir, name), "rb") as f:
                    data = f.read()
                if data[:48] in sent:
                    found.setdefault(data[:48], []).append((name.split(".")[0], data))
            if time.monotonic() > end or all(
                    len(found.get(t, [])) == 1 and found[t][0][1] == p for t, p in sent.items()):
                break
            time.sleep(0.2)
        for tag, payload in sent.items():
            copies = found.get(tag, [])
            if len(copies) == 1 and copies[0][1] == payload:
                run.count("delivered_once")
                if tag not in broken:
                    run.ok += 1
                continue
            if not copies:
                kind, text = "missing", "no server got it"
            elif len(copies) > 1:
                kind, text = "duplicate", f"{len(copies)} servers got it: " + ", ".join(
                    f"{n} {len(d)} bytes" for n, d in copies)
            else:
                kind, text = "wrong", f"{copies[0][0]} got {len(copies[0][1])} of {len(payload)} bytes"
            run.failed(kind, f"payload {tag.decode().rstrip('.')} ({len(payload)} bytes): {text}")
    return run_ops(a, run, op, 1, after)


def kind_redis(a, run):
    """connections of --per-op rounds, each SET, GET and PING pipelined in
    one write; every reply checked"""
    def op(i, src):
        with connect(a, src) as s:
            f = s.makefile("rb")
            for j in range(a.per_op):
                key = f"{a.label}:{i}:{j}"
                val = os.urandom(12).hex()
                s.sendall(f"*3\r\n$3\r\nSET\r\n${len(key)}\r\n{key}\r\n${len(val)}\r\n{val}\r\n"
                          f"*2\r\n$3\r\nGET\r\n${len(key)}\r\n{key}\r\n*1\r\n$4\r\nPING\r\n".encode())
                want = [b"+OK\r\n", f"${len(val)}\r\n".encode(), f"{val}\r\n".encode(), b"+PONG\r\n"]
                for w in want:
                    line = f.readline()
                    if line != w:
                        run.made(3)
                        raise Fail("eof" if not line else "wrong", f"round {j}: {line[:60]!r}, want {w!r}")
                for _ in range(3):
                    run.good()
    return run_ops(a, run, op, a.per_op * 3)


# ---------------------------------------------------------------- tools

def tool(a, run, cmd, limit):
    """run a load tool in lab-client; (rc, stdout, stderr), or a counted
    timeout when it had to be killed"""
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired as e:
        run.failed("timeout", f"{cmd[0]} killed after {limit} s: "
                   + (e.stdout or b"").decode("latin-1")[-200:])
        return None, (e.stdout or b"").decode("latin-1"), (e.stderr or b"").decode("latin-1")
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")


def num(pattern, text, default=None):
    m = re.search(pattern, text, re.M)
    return int(m.group(1)) if m else default


def kind_ab(a, run):
    url = f"http://{a.target}{a.path}"
    want = len(www_body(a, a.path))
    cmd = ["ab", "-q", "-n", str(a.ops), "-c", str(a.concurrency), "-s", str(a.timeout)]
    if a.keepalive:
        cmd.append("-k")
    t0 = time.monotonic()
    rc, out, err = tool(a, run, cmd + [url], a.timeout * 4 + a.ops // 20 + 20)
    done = num(r"^Complete requests:\s+(\d+)", out)
    if done is None:
        done = num(r"Total of (\d+) requests completed", out + err, 0)
    failed = num(r"^Failed requests:\s+(\d+)", out, 0)
    non2xx = num(r"^Non-2xx responses:\s+(\d+)", out, 0)
    doclen = num(r"^Document Length:\s+(\d+) bytes", out)
    run.requests = done
    run.ok = max(0, done - failed - non2xx)
    if run.ok:
        run.statuses["2xx"] = run.ok
    run.info["keepalive_requests"] = num(r"^Keep-Alive requests:\s+(\d+)", out, 0)
    if failed:
        run.failed("wrong", "ab: " + " ".join(re.findall(r"^Failed requests:.*\n(?:\s+\(.*\)\n)?", out, re.M)).strip())
    if non2xx:
        run.failed("wrong", f"ab: {non2xx} non-2xx responses")
    if doclen is not None and doclen != want:
        run.failed("wrong", f"ab: document length {doclen}, want {want}")
    if rc not in (0, None):
        last = (err.strip().splitlines() or ["?"])[-1]
        run.failed("timeout" if "timeout" in err.lower() else "reset" if "reset" in err.lower()
                   else f"ab rc={rc}", f"ab rc {rc}: {last}")
    return run.result(a.ops, time.monotonic() - t0)


def kind_wrk(a, run):
    url = f"http://{a.target}{a.path}"
    cmd = ["wrk", "-t1", "-c", str(a.concurrency), "-d", f"{int(a.duration)}s", "--timeout", f"{a.timeout}s", url]
    t0 = time.monotonic()
    rc, out, err = tool(a, run, cmd, a.duration + a.timeout + 20)
    reqs = num(r"^\s*(\d+) requests in", out, 0)
    non2xx = num(r"Non-2xx or 3xx responses:\s+(\d+)", out, 0)
    run.requests = reqs
    run.ok = reqs - non2xx
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        for name, v in zip(("connect", "read", "write", "timeout"), m.groups()):
            if int(v):
                run.fail[f"socket {name}"] = int(v)
                run.examples.append(m.group(0))
    if non2xx:
        run.failed("wrong", f"wrk: {non2xx} non-2xx/3xx responses")
    if rc not in (0, None) or not reqs:
        run.failed(f"wrk rc={rc}", (err or out).strip()[-200:])
    return run.result(None, time.monotonic() - t0)


def kind_h2load(a, run):
    url = f"http://{a.target}{a.path}"
    size = len(www_body(a, a.path))
    cmd = ["h2load", "--h1", "-n", str(a.ops), "-c", str(a.concurrency), "-N", f"{a.timeout}s", url]
    t0 = time.monotonic()
    rc, out, err = tool(a, run, cmd, a.timeout * 4 + a.ops // 20 + 20)
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    data = num(r"\((\d+)\) data", out)
    if not m or not codes:
        run.failed(f"h2load rc={rc}", (err or out).strip()[-200:])
        return run.result(a.ops, time.monotonic() - t0)
    total, started, done, good, failed, errored, tmo = map(int, m.groups())
    run.requests = done
    run.ok = int(codes.group(1))
    run.statuses["2xx"] = run.ok
    for name, v in (("failed", failed), ("errored", errored), ("timeout", tmo)):
        if v:
            run.fail[name] = v
    if run.fail:
        run.examples.append(m.group(0))
    if run.ok != good:
        run.failed("wrong", codes.group(0))
    if data != good * size:
        run.failed("wrong", f"{data} body bytes, want {good} x {size}")
    if rc not in (0, None):
        run.failed(f"h2load rc={rc}", err.strip()[-200:])
    return run.result(a.ops, time.monotonic() - t0)


def kind_redis_benchmark(a, run):
    h, p = host_port(a)
    tests = ["SET", "GET", "PING_INLINE", "PING_MBULK"]
    cmd = ["redis-benchmark", "-h", h, "-p", str(p), "-c", str(a.concurrency), "-n", str(a.ops),
           "-t", "set,get,ping", "--csv"]
    t0 = time.monotonic()
    rc, out, err = tool(a, run, cmd, a.timeout * 4 + 30)
    done = re.findall(r'^"([A-Z_]+)","[0-9.]+"', out, re.M)
    for t in tests:
        if t in done:
            run.requests += a.ops
            run.ok += a.ops
    if rc not in (0, None) or re.search(r"error", out + err, re.I) or set(done) != set(tests):
        run.failed(f"redis-benchmark rc={rc}",
                   f"tests done {done}; " + (err.strip() or out.strip())[-200:])
    return run.result(a.ops * len(tests), time.monotonic() - t0)


KINDS = {"curl": kind_curl, "post": kind_post, "http": kind_http, "idle": kind_idle,
         "raw": kind_raw, "pipeline": kind_pipeline, "reuse": kind_reuse, "echo": kind_echo, "sink": kind_sink,
         "redis": kind_redis, "ab": kind_ab, "wrk": kind_wrk, "h2load": kind_h2load,
         "redis-benchmark": kind_redis_benchmark}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("--target", required=True, help="IP:PORT")
    p.add_argument("--label", required=True, help="names this run (sink tags, redis keys)")
    p.add_argument("--ops", type=int, default=0, help="operations (0: --duration)")
    p.add_argument("--duration", type=float, default=0, help="seconds of operations")
    p.add_argument("-c", "--concurrency", type=int, default=1)
    p.add_argument("--rate", type=float, default=0, help="operations per second per worker")
    p.add_argument("--timeout", type=int, default=5, help="seconds any one wait may take")
    p.add_argument("--max-fail", type=int, default=8, help="stop after this many failed operations")
    p.add_argument("--sources", default="", help="client addresses, comma-separated")
    p.add_argument("--www", default="", help="the servers' document root (expected bodies)")
    p.add_argument("--paths", default="/fixed")
    p.add_argument("--path", default="/fixed")
    p.add_argument("--per-op", type=int, default=1, help="requests per operation")
    p.add_argument("--tls", action="store_true")
    p.add_argument("--http10", action="store_true")
    p.add_argument("--close", action="store_true", help="send Connection: close")
    p.add_argument("--body", help="post: the file to send")
    p.add_argument("--expect", choices=["100", "none"], default="100")
    p.add_argument("--answer", choices=["digest", "early", "404"], default="digest",
                   help="post: the server's length and sha256 of the body, nginx's early "
                   "answer, or 404 (no such file)")
    p.add_argument("--post", action="store_true", help="http: POST too")
    p.add_argument("--big-every", type=int, default=0)
    p.add_argument("--idle", type=float, default=1.5)
    p.add_argument("--version", choices=["1.0", "close"], default="1.0")
    p.add_argument("--keepalive", action="store_true")
    p.add_argument("--min-size", type=int, default=1)
    p.add_argument("--max-size", type=int, default=65536)
    p.add_argument("--dir", help="sink: where the servers write what they got")
    p.add_argument("--reuse", choices=["idle", "close"], default="idle",
                   help="reuse: how the first connection's server ends it")
    p.add_argument("--port-base", type=int, default=20000, help="reuse: the first source port")
    a = p.parse_args()
    res = KINDS[a.kind](a, Run(a))
    json.dump(res, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
