"""``python -m grader.sandbox ADDRESS``: the zygote, as a fresh interpreter.

Every ``Zygote`` starts one: the grader's process imports the reference
solutions, so forking it would hand them to students.  It serves until its
standard input closes.
"""
import os
import signal
import socket
import sys

from grader.sandbox.zygote import _zygote_loop


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the grader's to handle; we end with it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(64)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    _zygote_loop(listener, sys.stdin.fileno())
    os._exit(0)


if __name__ == "__main__":
    main()
