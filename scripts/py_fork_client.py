"""The client of `scripts/py_fork_server.py` (a test tool only).

Usage: `python3 -S -E scripts/py_fork_client.py SOCKET -c CODE ARGS...`.
Behaves as `python3 -c CODE ARGS...` would: it hands its stdin, stdout and
stderr, working folder, umask and environment to the server, which runs
CODE in a fork that has NumPy and Dask imported already, and exits with
that run's status (or dies of its signal). When the server cannot be
reached it runs `/usr/bin/python3 -c CODE ARGS...` itself.
"""

import array
import json
import os
import signal
import socket
import sys


def main():
    path, flag, code, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    if flag != "-c":
        raise SystemExit("usage: py_fork_client.py SOCKET -c CODE ARGS...")
    umask = os.umask(0)
    os.umask(umask)
    request = {
        "code": code,
        "args": args,
        "cwd": os.getcwd(),
        "umask": umask,
        "env": dict(os.environ),
    }
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        os.execv(sys.executable, [sys.executable, "-c", code] + args)
    data = (json.dumps(request) + "\n").encode()
    fds = array.array("i", [0, 1, 2])
    conn.sendmsg(
        [data[:1 << 16]],
        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds.tobytes())],
    )
    if len(data) > 1 << 16:
        conn.sendall(data[1 << 16:])
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            sys.stderr.write("py_fork_client: the server went away\n")
            os._exit(125)
        reply += chunk
    status = json.loads(reply)
    if "signal" in status:
        try:
            signal.signal(status["signal"], signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL and SIGSTOP cannot be caught anyway
        os.kill(os.getpid(), status["signal"])
    os._exit(status["exit"])


if __name__ == "__main__":
    main()
