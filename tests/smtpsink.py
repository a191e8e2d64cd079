"""A real SMTP server on loopback, for the tests and the benches: Django's SMTP backend talks
to it over TCP exactly as to a mail server, and every accepted message is kept.

Enough of RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
QUIT). ``refuse`` holds recipient addresses it answers 451 (try again later) for, and
``reject`` those it answers 550 (no such mailbox: a bounce), so tests can make delivery
fail; ``delay`` slows each message down.
"""

from __future__ import annotations

import email
import socketserver
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Any


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    def message(self) -> Message:
        return email.message_from_bytes(self.raw)


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    refuse: set[str] = field(default_factory=set)
    reject: set[str] = field(default_factory=set)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: Any = None

    def start(self) -> SmtpSink:
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self) -> None:
                try:
                    self.converse()
                except OSError:
                    return  # the client went away (a killed worker): as a server would

            def converse(self) -> None:
                self.reply("220 localhost stackvote test SMTP")
                sender, recipients = "", []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line.decode("ascii", "replace").strip()
                    upper = verb.upper()
                    if upper.startswith("EHLO"):
                        self.wfile.write(b"250-localhost\r\n250 8BITMIME\r\n")
                        self.wfile.flush()
                    elif upper.startswith("HELO") or upper.startswith("NOOP"):
                        self.reply("250 OK")
                    elif upper.startswith("MAIL FROM:"):
                        sender, recipients = _address(verb[10:]), []
                        self.reply("250 OK")
                    elif upper.startswith("RCPT TO:"):
                        recipient = _address(verb[8:])
                        if recipient.lower() in sink.reject:
                            self.reply("550 5.1.1 No such mailbox")
                        elif recipient.lower() in sink.refuse:
                            self.reply("451 4.3.0 Try again later")
                        else:
                            recipients.append(recipient)
                            self.reply("250 OK")
                    elif upper == "DATA":
                        if not recipients:
                            self.reply("503 No valid recipients")
                            continue
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while True:
                            chunk = self.rfile.readline()
                            if not chunk or chunk in (b".\r\n", b".\n"):
                                break
                            lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        if sink.delay:
                            time.sleep(sink.delay)
                        with sink._lock:
                            sink.received.append(Received(sender, recipients, b"".join(lines)))
                        self.reply("250 OK queued")
                        sender, recipients = "", []
                    elif upper == "RSET":
                        sender, recipients = "", []
                        self.reply("250 OK")
                    elif upper == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def to(self, address: str) -> list[Received]:
        """Messages delivered to ``address``."""
        with self._lock:
            return [
                r for r in self.received if address.lower() in (a.lower() for a in r.recipients)
            ]

    def recipients(self) -> list[str]:
        with self._lock:
            return [a.lower() for r in self.received for a in r.recipients]


def _address(argument: str) -> str:
    text = argument.strip()
    if text.startswith("<"):
        text = text[1 : text.index(">")] if ">" in text else text[1:]
    return text.split()[0] if text else ""
