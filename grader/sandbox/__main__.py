"""``python -m grader.sandbox ADDRESS``: the zygote as a fresh interpreter.

Used when the grader's process has already imported the reference solutions
(for instance inside the test suite), so that forking it would hand them to
students.  It serves until its standard input closes.
"""
import os
import socket
import sys

from grader.sandbox.zygote import _zygote_loop


def main() -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(64)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    _zygote_loop(listener, sys.stdin.fileno())
    os._exit(0)


if __name__ == "__main__":
    main()
