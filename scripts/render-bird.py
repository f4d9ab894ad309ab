#!/usr/bin/env python3
"""Render BIRD 2 configurations for Netchestra dispatchers and the lab's router.

  scripts/render-bird.py [-o OUT] [--template T] STARTUP.json
      bird.conf of the dispatcher that STARTUP.json starts (config/bird/dispatcher.conf.in):
      router id, ASN, hold time, BFD timers, one BGP session per bgp.neighbors[], the
      VIPs of its services (exactly those, as /32, IPv6 ones as /128 in an ipv6 channel
      of the same sessions) on the exception interface of each port facing a neighbour.
  scripts/render-bird.py --ifaces STARTUP.json
      one line per exception interface facing a neighbour: "IFNAME HOST/LEN"
  scripts/render-bird.py --vips STARTUP.json
      the VIPs it announces, one a line
  scripts/render-bird.py --router --router-id IP --asn N --iface IF --accept PREFIX
                         --neighbor NAME=IP:ASN [--neighbor ...] [--local IP]
                         [--hold-s N] [--bfd-interval-ms N] [--bfd-multiplier N]
                         [--accept6 PREFIX6] [--no-bfd] [-o OUT] [--template T]
      bird.conf of a router peering with dispatchers (config/bird/router.conf.in),
      accepting their /32 routes inside PREFIX (and /128 routes inside PREFIX6) and
      merging them into multipath routes.

Python 3 standard library only. A missing or invalid section is an error naming its
JSON path; exit 1 then, 2 on bad usage; nothing is written on error.
"""
import argparse
import ipaddress
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(ROOT, "config", "bird")
IFNAME_MAX = 15


class RenderError(Exception):
    pass


def fail(path, msg):
    raise RenderError(f"{path}: {msg}" if path else msg)


def want(obj, path, key, kind, required=True, default=None):
    """obj[key] checked against kind ("object", "array", "bool", "int", "str")."""
    where = f"{path}.{key}" if path else key
    if not isinstance(obj, dict) or key not in obj:
        if required:
            fail(where, "missing")
        return default
    v = obj[key]
    ok = {
        "object": isinstance(v, dict),
        "array": isinstance(v, list),
        "bool": isinstance(v, bool),
        "int": isinstance(v, int) and not isinstance(v, bool),
        "str": isinstance(v, str),
    }[kind]
    if not ok:
        fail(where, f"must be {'an' if kind in ('object', 'array', 'int') else 'a'} {kind}, got {json.dumps(v)}")
    return v


def want_int(obj, path, key, lo, hi, required=True, default=None):
    v = want(obj, path, key, "int", required, default)
    if v is not None and not lo <= v <= hi:
        fail(f"{path}.{key}", f"must be {lo}..{hi}, got {v}")
    return v


def check_keys(obj, path, keys):
    for k in obj:
        if k not in keys:
            fail(f"{path}.{k}" if path else k, "unknown key")


def ipv4(s, where):
    if not isinstance(s, str) or not re.fullmatch(r"(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}", s):
        fail(where, f"must be an IPv4 address, got {json.dumps(s)}")
    try:
        return ipaddress.IPv4Address(s)
    except ValueError:
        fail(where, f"must be an IPv4 address, got {json.dumps(s)}")


def ipv6(s, where):
    try:
        return ipaddress.IPv6Address(s)
    except ValueError:
        fail(where, f"must be an IPv6 address, got {json.dumps(s)}")


def vip_addr(s, where):
    """A service VIP of either family (an IPv6 one has a colon)."""
    if isinstance(s, str) and ":" in s:
        return ipv6(s, where)
    return ipv4(s, where)


def ipv4_if(s, where):
    if not isinstance(s, str) or "/" not in s:
        fail(where, f"must be a.b.c.d/len, got {json.dumps(s)}")
    a, ln = s.split("/", 1)
    ipv4(a, where)
    if not re.fullmatch(r"[0-9]{1,2}", ln) or not 1 <= int(ln) <= 32:
        fail(where, f"must be a.b.c.d/len with len 1..32, got {json.dumps(s)}")
    return ipaddress.IPv4Interface(s)


def ipv6_if(s, where):
    if not isinstance(s, str) or "/" not in s:
        fail(where, f"must be addr/len (IPv6), got {json.dumps(s)}")
    a, ln = s.split("/", 1)
    ipv6(a, where)
    if not re.fullmatch(r"[0-9]{1,3}", ln) or not 1 <= int(ln) <= 128:
        fail(where, f"must be addr/len with len 1..128, got {json.dumps(s)}")
    return ipaddress.IPv6Interface(s)


def dispatcher_model(cfg):
    """What bird.conf needs from a startup file (a parsed JSON object)."""
    if not isinstance(cfg, dict):
        fail("", "the startup file must hold a JSON object")
    ports = want(cfg, "", "ports", "array")
    top_exc = want(cfg, "", "exception", "object", required=False, default={})
    top_on = want(top_exc, "exception", "enabled", "bool", required=False, default=False)
    top_ifname = want(top_exc, "exception", "ifname", "str", required=False)   # one port only (--check)
    # (ifname or None, IPv4Interface or None, path, first IPv6 address or None,
    # IPv6Interface or None) per port with a host or a host6
    hosts = []
    for i, p in enumerate(ports):
        pp = f"ports[{i}]"
        if not isinstance(p, dict):
            fail(pp, "must be an object")
        name = want(p, pp, "name", "str")
        h = want(p, pp, "host", "str", required=False)
        h6 = want(p, pp, "host6", "str", required=False)
        if h is None and h6 is None:
            continue
        host = ipv4_if(h, f"{pp}.host") if h is not None else None
        host6 = ipv6_if(h6, f"{pp}.host6") if h6 is not None else None
        exc = want(p, pp, "exception", "object", required=False)
        if exc is None:
            on, ifname = top_on, top_ifname or f"nc-{name[:12]}"
        else:
            on = want(exc, f"{pp}.exception", "enabled", "bool")
            ifname = want(exc, f"{pp}.exception", "ifname", "str", required=False, default=f"nc-{name[:12]}")
        if on and not 1 <= len(ifname) <= IFNAME_MAX:
            fail(f"{pp}.exception.ifname", f"must be 1..{IFNAME_MAX} bytes (a kernel interface name), got {json.dumps(ifname)}")
        v6 = want(p, pp, "ipv6", "array", required=False, default=[])
        first6 = None
        if v6:
            if not isinstance(v6[0], str) or "/" not in v6[0]:
                fail(f"{pp}.ipv6[0]", f"must be an IPv6 prefix (addr/len), got {json.dumps(v6[0])}")
            first6 = ipv6(v6[0].split("/", 1)[0], f"{pp}.ipv6[0]")
        hosts.append((ifname if on else None, host, pp, first6, host6))

    bgp = want(cfg, "", "bgp", "object", required=False)
    if bgp is None:
        fail("bgp", "missing: the startup file announces no VIP (no bgp section)")
    check_keys(bgp, "bgp", ("asn", "router_id", "hold_s", "neighbors", "bfd"))
    asn = want_int(bgp, "bgp", "asn", 1, 4294967294)
    hold = want_int(bgp, "bgp", "hold_s", 0, 65535, required=False, default=3)
    if hold in (1, 2):
        fail("bgp.hold_s", f"must be 0 or 3..65535 (RFC 4271), got {hold}")
    neigh = want(bgp, "bgp", "neighbors", "array")
    if not 1 <= len(neigh) <= 8:
        fail("bgp.neighbors", f"must hold 1..8 neighbours, got {len(neigh)}")
    neighbors, ifaces = [], []
    for i, n in enumerate(neigh):
        np = f"bgp.neighbors[{i}]"
        if not isinstance(n, dict):
            fail(np, "must be an object")
        check_keys(n, np, ("address", "asn"))
        addr = vip_addr(want(n, np, "address", "str"), f"{np}.address")
        peer_asn = want_int(n, np, "asn", 1, 4294967294)
        # an IPv6 neighbour: the session runs from the facing port's host6
        k = 4 if addr.version == 6 else 1
        hk = "host6" if addr.version == 6 else "host"
        facing = [h for h in hosts if h[k] is not None and addr in h[k].network]
        if not facing:
            fail(f"{np}.address", f"{addr} is on no port's {hk} subnet (ports[].{hk})")
        ifname, host, pp, first6, host6 = facing[0]
        local = facing[0][k]
        if ifname is None:
            fail(f"{np}.address", f"{addr} faces {pp}, which has no exception interface "
                 f"({pp}.exception or the top-level exception)")
        if addr == local.ip:
            fail(f"{np}.address", f"{addr} is {pp}.{hk}")
        neighbors.append({"NAME": f"r{i}", "ADDRESS": str(addr), "PEER_ASN": str(peer_asn),
                          "LOCAL": str(local.ip), "IFACE": ifname, "PORT": pp,
                          "NEXT_HOP6": str(first6) if first6 else None,
                          # over an IPv6 session the IPv4 VIPs need an IPv4 next hop
                          "NEXT_HOP4": str(host.ip) if addr.version == 6 and host else None,
                          "SESSION6": addr.version == 6})
        if ifname not in [f[0] for f in ifaces]:
            ifaces.append((ifname, local))
    rid = want(bgp, "bgp", "router_id", "str", required=False)
    if rid is not None:
        rid = ipv4(rid, "bgp.router_id")
    else:
        first = next(h for h in hosts if h[2] == neighbors[0]["PORT"])
        if first[1] is None:
            fail("bgp.router_id", f"missing: {first[2]}, facing neighbors[0], has no host "
                 "(an IPv4 address) to take it from")
        rid = first[1].ip
    bfd = want(bgp, "bgp", "bfd", "object", required=False, default={})
    check_keys(bfd, "bgp.bfd", ("enabled", "interval_ms", "multiplier"))
    bfd_on = want(bfd, "bgp.bfd", "enabled", "bool", required=False, default=True)
    bfd_iv = want_int(bfd, "bgp.bfd", "interval_ms", 10, 10000, required=False, default=100)
    bfd_mult = want_int(bfd, "bgp.bfd", "multiplier", 1, 255, required=False, default=3)

    services = want(cfg, "", "services", "array")
    vips = []
    for i, s in enumerate(services):
        if not isinstance(s, dict):
            fail(f"services[{i}]", "must be an object")
        v = vip_addr(want(s, f"services[{i}]", "vip", "str"), f"services[{i}].vip")
        if v not in vips:
            vips.append(v)
    if not vips:
        fail("services", "no service: no VIP to announce")
    vips4 = [v for v in vips if v.version == 4]
    vips6 = [v for v in vips if v.version == 6]
    # The IPv6 routes go in the IPv4 sessions (multiprotocol BGP). Their next hop
    # must be an IPv6 address the router can reach on the link: the facing port's
    # first "ipv6" address, which the data plane answers neighbour discovery for
    # (as it answers ARP for the IPv4 host address). The kernel interface needs
    # none (BGP and BFD stay on IPv4), so there is no IPv6 host address to give.
    if vips4:
        for n in neighbors:
            if n["SESSION6"] and n["NEXT_HOP4"] is None:
                fail(f"{n['PORT']}.host", f"missing: the next hop of the IPv4 VIPs announced to "
                     f"{n['ADDRESS']} (an IPv6 session) is the IPv4 host address of {n['PORT']}")
    if vips6:
        for n in neighbors:
            if n["NEXT_HOP6"] is None:
                fail(f"{n['PORT']}.ipv6", f"missing: the next hop of the IPv6 VIPs announced to {n['ADDRESS']} "
                     f"is the first IPv6 address of {n['PORT']}")
    return {
        "ROUTER_ID": str(rid), "ASN": str(asn), "HOLD_S": str(hold),
        "BFD": bfd_on, "BFD_SWITCH": "on" if bfd_on else "off",
        "BFD_INTERVAL_MS": str(bfd_iv), "BFD_MULTIPLIER": str(bfd_mult),
        "V6": bool(vips6),
        "IMPORT4": f"where net ~ [ {', '.join(f'{v}/32' for v in vips4)} ]" if vips4 else "none",
        "EXPORT4": (f"where proto = \"vips\" && net ~ [ {', '.join(f'{v}/32' for v in vips4)} ]"
                    if vips4 else "none"),
        "VIP6_SET": ", ".join(f"{v}/128" for v in vips6),
        "VIPS": [str(v) for v in vips],
        "IFACE_LIST": ", ".join(f'"{i}"' for i, _ in ifaces),
        "IFACES": ", ".join(i for i, _ in ifaces),
        "IFACE_HOSTS": [f"{i} {h}" for i, h in ifaces],
        "NEIGHBOR": [{k: v for k, v in n.items() if v is not None and v is not False}
                     for n in neighbors],
    }


def render(template, model):
    """@KEY@ from model; @IF KEY@..@END KEY@ kept when model[KEY] is true;
    @EACH KEY@..@END KEY@ repeated for each dict of model[KEY] (its keys first)."""
    def block(m):
        kind, key, body = m.group(1), m.group(2), m.group(3)
        if kind == "IF":
            return body if model.get(key) else ""
        return "".join(render(body, {**model, **item}) for item in model[key])
    out = re.sub(r"@(IF|EACH) (\w+)@\n(.*?)@END \2@\n", block, template, flags=re.S)

    def sub(m):
        v = model.get(m.group(1))
        if not isinstance(v, str):
            raise RenderError(f"template: no value for @{m.group(1)}@")
        return v
    return re.sub(r"@(\w+)@", sub, out)


def router_model(a):
    try:
        net = ipaddress.IPv4Network(a.accept)
    except ValueError:
        fail("--accept", f"must be a network a.b.c.d/len, got {json.dumps(a.accept)}")
    neighbors = []
    for spec in a.neighbor:
        m = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)=([0-9.]+):([0-9]+)", spec)
        if not m:
            fail("--neighbor", f"want NAME=IP:ASN, got {json.dumps(spec)}")
        ipv4(m.group(2), "--neighbor")
        if not 1 <= int(m.group(3)) <= 4294967294:
            fail("--neighbor", f"ASN must be 1..4294967294, got {m.group(3)}")
        neighbors.append({"NAME": m.group(1), "ADDRESS": m.group(2), "PEER_ASN": m.group(3)})
    if not neighbors:
        fail("--neighbor", "at least one")
    net6 = None
    if a.accept6 is not None:
        try:
            net6 = ipaddress.IPv6Network(a.accept6)
        except ValueError:
            fail("--accept6", f"must be an IPv6 network addr/len, got {json.dumps(a.accept6)}")
    if a.hold_s in (1, 2) or not 0 <= a.hold_s <= 65535:
        fail("--hold-s", f"must be 0 or 3..65535, got {a.hold_s}")
    return {
        "ROUTER_ID": str(ipv4(a.router_id, "--router-id")),
        "LOCAL": str(ipv4(a.local or a.router_id, "--local")),
        "ASN": str(a.asn), "HOLD_S": str(a.hold_s), "IFACE": a.iface, "ACCEPT": str(net),
        "V6": net6 is not None, "ACCEPT6": str(net6),
        "BFD": not a.no_bfd, "BFD_SWITCH": "off" if a.no_bfd else "on",
        "BFD_INTERVAL_MS": str(a.bfd_interval_ms), "BFD_MULTIPLIER": str(a.bfd_multiplier),
        "NEIGHBOR": neighbors,
    }


def main():
    ap = argparse.ArgumentParser(description="Render BIRD 2 configurations (see the header).")
    ap.add_argument("startup", nargs="?", help="the dispatcher's startup file")
    ap.add_argument("-o", "--output", help="write here (atomically) instead of stdout")
    ap.add_argument("--template", help="template file (default: config/bird/*.conf.in)")
    ap.add_argument("--ifaces", action="store_true", help="print the exception interfaces facing neighbours")
    ap.add_argument("--vips", action="store_true", help="print the VIPs announced")
    ap.add_argument("--router", action="store_true", help="render the router's configuration")
    ap.add_argument("--router-id")
    ap.add_argument("--local")
    ap.add_argument("--asn", type=int)
    ap.add_argument("--iface")
    ap.add_argument("--accept")
    ap.add_argument("--accept6")
    ap.add_argument("--neighbor", action="append", default=[])
    ap.add_argument("--hold-s", type=int, default=3)
    ap.add_argument("--bfd-interval-ms", type=int, default=100)
    ap.add_argument("--bfd-multiplier", type=int, default=3)
    ap.add_argument("--no-bfd", action="store_true")
    a = ap.parse_args()
    prog = "render-bird"
    try:
        if a.router:
            for opt in ("router_id", "asn", "iface", "accept"):
                if getattr(a, opt) is None:
                    ap.error(f"--router needs --{opt.replace('_', '-')}")
            model = router_model(a)
            tpl = a.template or os.path.join(TEMPLATES, "router.conf.in")
        else:
            if a.startup is None:
                ap.error("a startup file is required")
            prog = f"render-bird: {a.startup}"
            try:
                with open(a.startup, encoding="utf-8") as f:
                    cfg = json.load(f)
            except OSError as e:
                raise RenderError(f"cannot read: {e.strerror}")
            except json.JSONDecodeError as e:
                raise RenderError(f"invalid JSON: {e.msg} (line {e.lineno}, column {e.colno})")
            model = dispatcher_model(cfg)
            if a.ifaces or a.vips:
                print("\n".join(model["IFACE_HOSTS"] if a.ifaces else model["VIPS"]))
                return 0
            model["SOURCE"] = os.path.abspath(a.startup)
            tpl = a.template or os.path.join(TEMPLATES, "dispatcher.conf.in")
        try:
            with open(tpl, encoding="utf-8") as f:
                text = render(f.read(), model)
        except OSError as e:
            raise RenderError(f"template {tpl}: {e.strerror}")
    except RenderError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 1
    if a.output:
        tmp = f"{a.output}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, a.output)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
