#!/usr/bin/env python3
"""Keep-alive HTTP connections whose every answer must name their own client.

Opens --per-source connections from each --source address to --target
(Python's http.client, one thread a connection), each sending GET /ka/<n>
every --think-ms for --duration seconds on the same connection. The server
answers with "<client address>:<client port> <its peer's address>" (nginx
behind PROXY headers: $proxy_protocol_addr:$proxy_protocol_port $remote_addr),
so each answer shows whether the header named this connection's client and
through which local IP the server was reached. A connection that fails is
counted, reported and opened again.

Prints one JSON object: requests, ok (answered 200 and naming the client),
wrong (answered, naming another), failed, reconnects, errors (the first few),
and per connection its client port, the local IPs it was seen through, and
the time (s since the start) of its last answer.
"""
import argparse
import http.client
import json
import threading
import time


def conn_run(args, src, idx, t0, out, lock):
    """One connection's life: GETs until the duration is over."""
    rec = {"source": src, "port": 0, "via": [], "requests": 0, "ok": 0, "wrong": 0,
           "failed": 0, "reconnects": 0, "last_ok_s": None}
    errors = []
    host, port = args.target.rsplit(":", 1)
    conn = None
    n = 0
    end = t0 + args.duration
    while time.time() < end:
        if conn is None:
            conn = http.client.HTTPConnection(host, int(port), timeout=args.timeout_ms / 1000,
                                              source_address=(src, 0))
            try:
                conn.connect()
            except OSError as e:
                errors.append(f"{src} connect: {e!r}")
                rec["failed"] += 1
                conn = None
                time.sleep(args.think_ms / 1000)
                continue
            if rec["port"]:
                rec["reconnects"] += 1
            rec["port"] = conn.sock.getsockname()[1]
        n += 1
        rec["requests"] += 1
        try:
            conn.request("GET", f"/ka/{idx}/{n}")
            resp = conn.getresponse()
            body = resp.read().decode(errors="replace").strip()
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{src}:{rec['port']} request {n} at {time.time() - t0:.2f} s: {e!r}")
            rec["failed"] += 1
            conn.close()
            conn = None
            continue
        fields = body.split()
        if resp.status == 200 and fields and fields[0] == f"{src}:{rec['port']}":
            rec["ok"] += 1
            rec["last_ok_s"] = round(time.time() - t0, 2)
            if len(fields) > 1 and fields[1] not in rec["via"]:
                rec["via"].append(fields[1])
        else:
            rec["wrong"] += 1
            errors.append(f"{src}:{rec['port']} request {n}: {resp.status} {body[:80]!r}")
        time.sleep(args.think_ms / 1000)
    if conn is not None:
        conn.close()
    with lock:
        out["connections"].append(rec)
        out["errors"].extend(errors[:5])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", required=True, help="address:port")
    ap.add_argument("--source", required=True, help="client addresses, comma-separated")
    ap.add_argument("--per-source", type=int, default=2)
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--think-ms", type=int, default=100)
    ap.add_argument("--timeout-ms", type=int, default=10000)
    args = ap.parse_args()
    out = {"connections": [], "errors": []}
    lock = threading.Lock()
    t0 = time.time()
    threads = [threading.Thread(target=conn_run, args=(args, src, i * args.per_source + j, t0, out, lock))
               for i, src in enumerate(args.source.split(",")) for j in range(args.per_source)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in ("requests", "ok", "wrong", "failed", "reconnects"):
        out[k] = sum(c[k] for c in out["connections"])
    out["errors"] = out["errors"][:20]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
