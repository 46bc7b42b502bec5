/* netns.c — bring up loopback in the box's new network namespace with
 * libnl-3 route. Run by the box's init child, as root, after the clone
 * that made the namespace and before initproc; nothing else lives in the
 * namespace yet, so "lo" is the only link to care about. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "netns.h"

/* libnl speaks NLE_* codes; the rest of pbox speaks errno. */
static int nlerr_to_errno(int nle)
{
        switch (nle < 0 ? -nle : nle) {
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_PERM:
                return -EPERM;
        case NLE_NODEV:
        case NLE_OBJ_NOTFOUND:
                return -ENODEV;
        case NLE_INVAL:
                return -EINVAL;
        case NLE_AGAIN:
                return -EAGAIN;
        case NLE_BUSY:
                return -EBUSY;
        case NLE_OPNOTSUPP:
                return -EOPNOTSUPP;
        default:
                return -EIO;
        }
}

int netns_loopback_up(char *errmsg, size_t errlen)
{
        struct nl_sock *sk = NULL;
        struct rtnl_link *link = NULL, *change = NULL;
        const char *what = "netlink socket";
        int nle = 0;
        int r = 0;

        sk = nl_socket_alloc();
        if (!sk) {
                r = -ENOMEM;
                goto out;
        }
        nle = nl_connect(sk, NETLINK_ROUTE);
        if (nle < 0)
                goto out;
        what = "get link lo";
        nle = rtnl_link_get_kernel(sk, 0, "lo", &link);
        if (nle < 0)
                goto out;
        change = rtnl_link_alloc();
        if (!change) {
                r = -ENOMEM;
                goto out;
        }
        rtnl_link_set_flags(change, IFF_UP);
        what = "set lo up";
        nle = rtnl_link_change(sk, link, change, 0);
out:
        if (nle < 0)
                r = nlerr_to_errno(nle);
        if (r < 0 && errmsg && errlen > 0)
                snprintf(errmsg, errlen, "loopback: %s: %s", what,
                         nle < 0 ? nl_geterror(nle) : "out of memory");
        rtnl_link_put(change);
        rtnl_link_put(link);
        nl_socket_free(sk);
        return r;
}
