#!/usr/bin/env python3
"""A real SMTP server for Moat's tests: aiosmtpd (Debian's python3-aiosmtpd), started by LocalSmtpServer.cs.

It listens on 127.0.0.1:PORT (plain, STARTTLS or implicit TLS; with AUTH when a user is given), writes every message
it accepts into DIRECTORY as an .eml file (the envelope and what the session negotiated first, as X- headers), prints
"ready" once it accepts connections, and stops when its standard input closes or after --max-seconds.
"""
import argparse
import os
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class SaveToDirectory:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, f"{time.time_ns():020d}-{self.count:04d}.eml")
        encrypted = bool(session.ssl) or server.transport.get_extra_info("ssl_object") is not None  # STARTTLS, or implicit TLS
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else (session.auth_data or "")
        head = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
            f"X-Session-TLS: {'yes' if encrypted else 'no'}\r\n"
            f"X-Session-Login: {login if session.authenticated else '-'}\r\n"
        ).encode()
        with open(path + ".part", "wb") as out:
            out.write(head + envelope.original_content)
        os.rename(path + ".part", path)  # whole files only: the test polls the directory
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--directory", required=True)
    parser.add_argument("--mode", choices=["none", "starttls", "tls"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--max-seconds", type=float, default=120)
    args = parser.parse_args()

    context = None
    if args.mode != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = args.user is not None and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)

    options = dict(
        hostname="127.0.0.1", port=args.port,
        authenticator=authenticate if args.user else None,
        # aiosmtpd 1.4 counts only STARTTLS as TLS for AUTH: on implicit TLS the whole session is encrypted anyway.
        auth_required=bool(args.user), auth_require_tls=args.mode == "starttls",
    )
    if args.mode == "starttls":
        options.update(tls_context=context, require_starttls=True)
    elif args.mode == "tls":
        options.update(ssl_context=context)
    controller = Controller(SaveToDirectory(args.directory), **options)
    controller.start()
    print("ready", flush=True)

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait(args.max_seconds)
    controller.stop()


if __name__ == "__main__":
    main()
