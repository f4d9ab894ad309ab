#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""udp_sum.py ADDRESS PORT SIZE...: one UDP datagram of each SIZE to
ADDRESS:PORT (IPv4 or IPv6) from Python's socket - the kernel cuts those
over the MTU into fragments - each sent up to 3 times, 2 s apart, until
answered. nc-backend answers "NAME <FNV-1a 64 of what it got>"; prints a
line per datagram and "whole N of M", N the answers whose sum is that of
the bytes sent."""
import socket
import sys


def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h


def main():
    addr, port, sizes = sys.argv[1], int(sys.argv[2]), [int(a) for a in sys.argv[3:]]
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    ok = 0
    for i, size in enumerate(sizes):
        data = bytes((i * 11 + k * 7) & 0xff for k in range(size))
        want = "%016x" % fnv(data)
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.settimeout(2)
        for _ in range(3):
            s.sendto(data, (addr, port))
            try:
                reply = s.recv(512).decode().split()
            except socket.timeout:
                continue
            print(size, "bytes:", " ".join(reply), "want", want)
            ok += len(reply) > 1 and reply[1] == want
            break
        else:
            print(size, "bytes: no answer")
        s.close()
    print("whole", ok, "of", len(sizes))


if __name__ == "__main__":
    main()
