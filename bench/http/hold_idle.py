#!/usr/bin/env python3
"""Holds N idle keep-alive HTTP connections open to a server (Python 3 standard library only).

    hold_idle.py --port PORT --path /merged.xml --connections 5000

Each connection sends one HEAD request, reads its answer and then stays open without sending
anything: a subscriber's client between two polls. A connection the server closes is opened
again. Prints "holding N" once all N have had their answer, then runs until killed.
"""

import argparse
import selectors
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/")
    ap.add_argument("--connections", type=int, default=5000)
    args = ap.parse_args()
    request = f"HEAD {args.path} HTTP/1.1\r\nHost: {args.host}\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    answered = set()

    def open_one():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((args.host, args.port))
        sel.register(s, selectors.EVENT_WRITE, "connecting")

    for i in range(args.connections):
        open_one()
        if i % 200 == 199:
            pump(sel, request, answered, open_one, 0.01)
    announced = False
    while True:
        pump(sel, request, answered, open_one, 1.0)
        if not announced and len(answered) >= args.connections:
            print(f"holding {len(answered)}", flush=True)
            announced = True


def pump(sel, request, answered, open_one, timeout):
    for key, events in sel.select(timeout):
        s = key.fileobj
        if key.data == "connecting":
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                sel.unregister(s)
                s.close()
                time.sleep(0.01)
                open_one()
                continue
            try:
                s.send(request)
            except OSError:
                sel.unregister(s)
                s.close()
                open_one()
                continue
            sel.modify(s, selectors.EVENT_READ, "reading")
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:  # closed by the server: open another
            answered.discard(s)
            sel.unregister(s)
            s.close()
            open_one()
            continue
        answered.add(s)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
