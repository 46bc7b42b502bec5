/* api_client.h — the client end of a box's enter socket, shared by the
 * public API (api_enter.c) and the pbox command (enter, device, stop).
 * Not part of the public API: nothing here is exported by libpbox.so.
 *
 * Return convention: 0 or -errno; err (PBOX_ERR_LEN) holds one line on
 * failure; ret_* written only on success. */
#ifndef PBOX_API_CLIENT_H
#define PBOX_API_CLIENT_H

#include "pbox.h"

/* Connect a CLOEXEC SOCK_SEQPACKET socket to DATA_DIR/NAME/enter.sock
 * (NULL name: "default", NULL data_dir: "/run/pbox"). -EINVAL for a bad
 * name (err from pbox_name_check); -ENOTCONN when it cannot connect, err
 * `cannot connect to box NAME at PATH: REASON` (Planet's ErrConnect). */
int api_connect(const char *data_dir, const char *name, int *ret_fd,
                char err[PBOX_ERR_LEN]);

/* Send req on a connected socket and wait for the REPLY (any other
 * message is -EPROTO): the reply's err (0 or -errno) with its message in
 * err, or -errno of the transport with err describing it. */
int api_request(int sock, const void *req, char err[PBOX_ERR_LEN]);

/* Send req and receive the one answer of type want into *ret (free with
 * ipc_msg_free): a REPLY refusing the request is its err, with the box's
 * reason in err; anything else is -EPROTO. */
int api_ask(int sock, const void *req, unsigned want, void **ret,
            char err[PBOX_ERR_LEN]);

/* Wait until the box closes the connection (after OP_STOP): 0 on EOF,
 * -ETIMEDOUT after timeout_ms (< 0: forever), the err of a REPLY that
 * refused the request (message in err), -EPROTO for anything else. */
int api_wait_closed(int sock, int timeout_ms, char err[PBOX_ERR_LEN]);

#endif
