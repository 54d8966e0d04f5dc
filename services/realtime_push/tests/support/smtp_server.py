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

--starttls-dir DIR makes a self-signed certificate for 127.0.0.1 and localhost (DIR/cert.pem,
which clients trust as their CA file) and requires STARTTLS before any mail command.
--auth-user and --auth-password-file require AUTH (PLAIN or LOGIN, after STARTTLS) with them.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import subprocess
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

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
        self.store(session, envelope)
        if self.mode == "drop-after-data":
            # The relay took the message but the client never hears so: the ambiguous case.
            server.transport.abort()
            return "250 OK"  # Written nowhere: the transport is gone.
        return "250 OK"

    def store(self, session, envelope):
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
            "tls": session.ssl is not None,
            "auth_login": auth_login(session),
        }
        write_atomically(stem + ".json", json.dumps(facts).encode("utf-8"))
        write_atomically(stem + ".eml", raw)


class Silent(asyncio.Protocol):
    """Holds the connection open and answers nothing, like a relay that hangs."""


def auth_login(session):
    data = session.auth_data
    return data.login.decode("utf-8") if isinstance(data, LoginPassword) else None


def tls_context(directory):
    """A fresh self-signed P-256 certificate (fast to make) for the loopback names."""
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode("utf-8")
              and auth_data.password == password.encode("utf-8"))
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticate


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="where received messages are stored")
    parser.add_argument("--mode", choices=MODES, default="accept")
    parser.add_argument("--starttls-dir", help="require STARTTLS; the certificate goes here")
    parser.add_argument("--auth-user", help="require AUTH as this user")
    parser.add_argument("--auth-password-file", help="the password --auth-user must give")
    args = parser.parse_args()

    options = {"hostname": "localhost"}
    if args.starttls_dir:
        options.update(tls_context=tls_context(args.starttls_dir), require_starttls=True)
    if args.auth_user:
        with open(args.auth_password_file, encoding="utf-8") as f:
            password = f.read().rstrip("\r\n")
        options.update(authenticator=authenticator_for(args.auth_user, password),
                       auth_required=True)

    loop = asyncio.new_event_loop()
    handler = Handler(args.dir, args.mode)
    if args.mode == "silent":
        factory = Silent
    else:
        # hostname: aiosmtpd would otherwise look up this machine's FQDN, which can stall on DNS.
        def factory():
            return SMTP(handler, **options)
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
