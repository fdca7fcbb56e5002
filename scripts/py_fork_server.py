"""A fork server for the test suite's Python runs (a test tool only).

Every test that compares with NumPy starts `/usr/bin/python3`, which then
imports NumPy (about 0.2 s) or Dask (about 0.5 s); the suite does that
thousands of times on each runtime. This server imports them once and
forks a fresh process for each run, which then behaves as
`python3 -c CODE ARGS...` started by the test would: the test's stdin,
stdout and stderr (passed over the socket), its working folder, umask and
environment, `sys.argv`, a freshly seeded `np.random`, and its exit status
or signal.

Usage: `python3 scripts/py_fork_server.py SOCKET OWNER_PID` (started by
`scripts/test_all.ts`, which puts SOCKET in `NPY_TEST_PYTHON_SERVER`);
it exits when OWNER_PID has ended. The client is
`scripts/py_fork_client.py`; `tests/_numpy.ts` uses it when that variable
is set and runs Python directly otherwise.
"""

import array
import json
import os
import signal
import socket
import sys
import traceback

# Imported once, here, before any fork: what the runs would import first.
import numpy  # noqa: F401
import numpy.lib.format  # noqa: F401

try:
    import dask.array  # noqa: F401
except ImportError:
    pass

MAX_REQUEST = 64 << 20


def receive(conn):
    """The request (JSON) and the three file descriptors sent with it."""
    fds = array.array("i")
    data = b""
    while not data.endswith(b"\n"):
        msg, ancdata, _flags, _addr = conn.recvmsg(
            1 << 20, socket.CMSG_SPACE(3 * fds.itemsize)
        )
        if not msg:
            raise EOFError("the client went away")
        for level, kind, cdata in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                usable = len(cdata) - len(cdata) % fds.itemsize
                fds.frombytes(cdata[:usable])
        data += msg
        if len(data) > MAX_REQUEST:
            raise ValueError("request too long")
    return json.loads(data), list(fds)


def run(request, fds):
    """In the forked process: becomes `python3 -c CODE ARGS...`; never returns."""
    code = 1
    try:
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.chdir(request["cwd"])
        os.umask(request["umask"])
        os.environ.clear()
        os.environ.update(request["env"])
        extra = [p for p in request["env"].get("PYTHONPATH", "").split(":") if p]
        sys.path[:] = [""] + extra + [p for p in sys.path if p and p not in extra]
        sys.argv = ["-c"] + request["args"]
        numpy.random.seed()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        try:
            exec(compile(request["code"], "<string>", "exec"), namespace)
            code = 0
        except SystemExit as e:
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException as e:
            # As python3 -c prints it: from the code's own frame on.
            traceback.print_exception(
                type(e), e, e.__traceback__ and e.__traceback__.tb_next
            )
            code = 1
    finally:
        try:
            sys.stdout.flush()
        except BaseException:
            code = code or 120
        try:
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit(code & 0xFF)


def handle(conn):
    """In the first fork: runs the request in a second and reports its status."""
    request, fds = receive(conn)
    pid = os.fork()
    if pid == 0:
        conn.close()
        run(request, fds)
    for fd in fds:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        reply = {"signal": os.WTERMSIG(status)}
    else:
        reply = {"exit": os.WEXITSTATUS(status)}
    conn.sendall((json.dumps(reply) + "\n").encode())


def owner_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def main():
    path, owner = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    server.bind(path)
    server.listen(64)
    server.settimeout(1.0)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        while owner_alive(owner):
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            conn.settimeout(None)
            if os.fork() == 0:
                server.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                try:
                    handle(conn)
                except BaseException:
                    traceback.print_exc()
                    os._exit(1)
                os._exit(0)
            conn.close()
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    main()
