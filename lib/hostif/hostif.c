/* SPDX-License-Identifier: BSD-3-Clause
 * rtnetlink requests for the exception path's kernel interfaces: one request,
 * one acknowledgement, on a socket opened per call (these are rare events:
 * start-up, a VIP becoming ready or not, a drain).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>

#include "nc_hostif.h"

struct nl_req {
	struct nlmsghdr nh;
	struct ifaddrmsg ifa;
	char attrs[64];
};

static void
attr_put(struct nlmsghdr *nh, unsigned short type, const void *data, unsigned short len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send <nh> and wait for its acknowledgement: 0 or the kernel's -errno. */
static int
nl_talk(struct nlmsghdr *nh)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[4096];
	int fd, r = -EIO;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = 1;
	if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		r = -errno;
		goto out;
	}
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			r = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			break;
		}
	}
out:
	close(fd);
	return r;
}

int
nc_hostif_addr(const char *ifname, uint32_t ip, uint8_t len, bool add)
{
	struct nl_req req;
	unsigned int idx = if_nametoindex(ifname);
	uint32_t a = htonl(ip);
	int r;

	if (idx == 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	req.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	req.nh.nlmsg_flags = add ? NLM_F_CREATE | NLM_F_REPLACE : 0;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = len;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	req.ifa.ifa_index = idx;
	attr_put(&req.nh, IFA_LOCAL, &a, sizeof(a));
	attr_put(&req.nh, IFA_ADDRESS, &a, sizeof(a));
	if (len < 31) {
		uint32_t b = htonl(ip | (len == 0 ? ~0u : ~(~0u << (32 - len))));

		attr_put(&req.nh, IFA_BROADCAST, &b, sizeof(b));
	}
	r = nl_talk(&req.nh);
	if (!add && r == -EADDRNOTAVAIL)
		r = 0;
	return r;
}

int
nc_hostif_addr6(const char *ifname, const uint8_t ip[16], uint8_t len, bool add)
{
	struct nl_req req;
	unsigned int idx = if_nametoindex(ifname);
	int r;

	if (idx == 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	req.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	req.nh.nlmsg_flags = add ? NLM_F_CREATE | NLM_F_REPLACE : 0;
	req.ifa.ifa_family = AF_INET6;
	req.ifa.ifa_prefixlen = len;
	req.ifa.ifa_flags = IFA_F_NODAD;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	req.ifa.ifa_index = idx;
	attr_put(&req.nh, IFA_LOCAL, ip, 16);
	attr_put(&req.nh, IFA_ADDRESS, ip, 16);
	r = nl_talk(&req.nh);
	if (!add && r == -EADDRNOTAVAIL)
		r = 0;
	return r;
}

int
nc_hostif_up(const char *ifname)
{
	struct ifreq ifr;
	int fd, r = 0;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

static int
ipv6_conf(const char *ifname, const char *key, const char *val)
{
	char path[128];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	if (fputs(val, f) < 0)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

int
nc_hostif_ipv6_off(const char *ifname)
{
	return ipv6_conf(ifname, "disable_ipv6", "1\n");
}

int
nc_hostif_ipv6_quiet(const char *ifname)
{
	static const char *const conf[][2] = {
		{ "disable_ipv6", "1\n" },   /* drops a link-local address made already */
		{ "addr_gen_mode", "1\n" },  /* none: no link-local when enabled again */
		{ "accept_ra", "0\n" },
		{ "router_solicitations", "0\n" },
		{ "dad_transmits", "0\n" },
		{ "disable_ipv6", "0\n" },
	};
	unsigned int i;
	int r;

	for (i = 0; i < sizeof(conf) / sizeof(conf[0]); i++) {
		r = ipv6_conf(ifname, conf[i][0], conf[i][1]);
		if (r != 0)
			return r;
	}
	return 0;
}
