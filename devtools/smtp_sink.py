"""A tiny SMTP server for tests and benchmarks: accepts mail like an MTA, optionally holding DATA
for a while.

A message counts as delivered only once the server answered ``250`` after DATA, as with a real
MTA; a client that disappears before that leaves nothing behind. ``accepted`` holds the bodies;
``deliveries`` the same messages as ``(monotonic time, recipients, body)``.
"""

from __future__ import annotations

import socketserver
import threading
import time


class SmtpSink:
    def __init__(self, hold_data_seconds: float = 0.0):
        self.hold_data_seconds = hold_data_seconds
        self.accepted: list[str] = []
        self.deliveries: list[tuple[float, list[str], str]] = []
        self.data_started = threading.Event()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())
                self.wfile.flush()

            def handle(self) -> None:
                self.reply("220 sink ESMTP")
                recipients: list[str] = []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    text = line.decode(errors="replace").strip()
                    verb = text.split(" ")[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 sink")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        body = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            body.append(chunk.decode(errors="replace"))
                        sink.data_started.set()
                        time.sleep(sink.hold_data_seconds)
                        try:
                            self.reply("250 queued")
                        except OSError:
                            return  # the client is gone: not delivered
                        sink.accepted.append("".join(body))
                        sink.deliveries.append((time.monotonic(), recipients, "".join(body)))
                        recipients = []
                    elif verb == "RCPT":
                        recipients.append(text.partition(":")[2].strip().strip("<>").lower())
                        self.reply("250 ok")
                    elif verb == "RSET":
                        recipients = []
                        self.reply("250 ok")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
