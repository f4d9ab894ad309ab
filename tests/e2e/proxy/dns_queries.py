#!/usr/bin/env python3
"""DNS queries for tests/e2e/proxy.sh, run in lab-client: from each source
address in turn, from a fixed port each, query q<n>.example A at
<vip>:<port>; every answer must carry the query's id and 192.0.2.7. Prints
"<src>:<port> q<n>.example." per query answered, to stdout; failures to
stderr. Exit 1 when any query went unanswered or was answered wrong.
Usage: dns_queries.py VIP PORT COUNT FIRST_LOCAL_PORT SRC[,SRC...]"""
import socket
import struct
import sys


def query(qid, name):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + b"\x00" + struct.pack(">HH", 1, 1)


def main():
    vip, port, count, lp0, srcs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(",")
    bad = 0
    for n in range(count):
        src, lp, name = srcs[n % len(srcs)], lp0 + n, f"q{n}.example"
        s = socket.socket(socket.AF_INET6 if ":" in vip else socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, lp))
        s.settimeout(2)
        q = query(0x1000 + n, name)
        for _ in range(3):   # as a resolver: up to three tries
            s.sendto(q, (vip, port))
            try:
                d, _ = s.recvfrom(512)
                break
            except socket.timeout:
                d = b""
        s.close()
        if len(d) < 16 or struct.unpack(">H", d[:2])[0] != 0x1000 + n or d[-4:] != socket.inet_aton("192.0.2.7"):
            print(f"{src}:{lp} {name}: answer {d.hex() or 'none'}", file=sys.stderr)
            bad += 1
            continue
        print(f"{src}:{lp} {name}.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
