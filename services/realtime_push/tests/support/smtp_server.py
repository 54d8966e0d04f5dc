#!/usr/bin/python3
"""An SMTP server for realtime-push's tests (aiosmtpd, from Debian's python3-aiosmtpd).

Binds 127.0.0.1 on a free port, prints that port on stdout (one line), then serves until stdin
closes (so it never outlives a test process that died) or SIGTERM arrives.

Each accepted message is stored in DIR as NNNNNN.eml (the bytes received, dot-stuffing
removed) with NNNNNN.json beside it: the envelope and, parsed by Python's email package as an
independent decoder, the decoded subject, body and Message-ID. The .json is written first and
each file appears by rename, so a reader that sees the .eml sees both whole.

--mode chooses the answers:
  accept          250 to everything
  reject-rcpt     550 to RCPT TO (mailbox unavailable): nothing stored
  defer-rcpt      451 to RCPT TO (try again later): nothing stored
  reject-data     554 after the message's data: nothing stored
  drop-after-data stores the message, then closes the connection without a reply
  silent          accepts connections and never says a word (not even the greeting)
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import threading

from aiosmtpd.smtp import SMTP

MODES = ("accept", "reject-rcpt", "defer-rcpt", "reject-data", "drop-after-data", "silent")


class Handler:
    def __init__(self, directory, mode):
        self.directory = directory
        self.mode = mode
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "reject-rcpt":
            return "550 5.1.1 Mailbox unavailable"
        if self.mode == "defer-rcpt":
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "reject-data":
            return "554 5.6.0 Message refused"
        self.store(envelope)
        if self.mode == "drop-after-data":
            # The relay took the message but the client never hears so: the ambiguous case.
            server.transport.abort()
            return "250 OK"  # Written nowhere: the transport is gone.
        return "250 OK"

    def store(self, envelope):
        self.count += 1
        stem = os.path.join(self.directory, "%06d" % self.count)
        raw = envelope.original_content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        body = parsed.get_content() if not parsed.is_multipart() else None
        facts = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(parsed["subject"]) if parsed["subject"] is not None else None,
            "message_id": str(parsed["message-id"]) if parsed["message-id"] is not None else None,
            "content_type": parsed.get_content_type(),
            "charset": parsed.get_content_charset(),
            "body": body,
            "defects": [type(d).__name__ for d in parsed.defects],
        }
        write_atomically(stem + ".json", json.dumps(facts).encode("utf-8"))
        write_atomically(stem + ".eml", raw)


class Silent(asyncio.Protocol):
    """Holds the connection open and answers nothing, like a relay that hangs."""


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="where received messages are stored")
    parser.add_argument("--mode", choices=MODES, default="accept")
    args = parser.parse_args()

    loop = asyncio.new_event_loop()
    handler = Handler(args.dir, args.mode)
    if args.mode == "silent":
        factory = Silent
    else:
        # hostname: aiosmtpd would otherwise look up this machine's FQDN, which can stall on DNS.
        def factory():
            return SMTP(handler, hostname="localhost")
    server = loop.run_until_complete(loop.create_server(factory, host="127.0.0.1", port=0))
    stopped = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopped.set)

    # A thread, not loop.add_reader: stdin may be a file or /dev/null, which epoll refuses.
    # os.read, not sys.stdin: a daemon thread blocked in a buffered read aborts the
    # interpreter's shutdown.
    def watch_stdin():
        while os.read(0, 4096):
            pass
        loop.call_soon_threadsafe(stopped.set)

    threading.Thread(target=watch_stdin, daemon=True).start()

    print(server.sockets[0].getsockname()[1], flush=True)
    loop.run_until_complete(stopped.wait())
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()


if __name__ == "__main__":
    main()
