"""The isolation of students' code: the only part of the grader that knows Linux.

``zygote`` (the clean parent of every student process and the parent-side
handle of a worker), ``worker`` (the student's process), ``wire`` (JSON header
plus raw array bytes, never pickles) and ``hardening`` (namespaces, uid,
seccomp, rlimits).  ``python -m grader.sandbox ADDRESS`` starts a zygote as a
fresh interpreter.
"""
from grader.sandbox.zygote import Limits, Outcome, SandboxError, Worker, WorkerJob, Zygote

__all__ = ["Limits", "Outcome", "SandboxError", "Worker", "WorkerJob", "Zygote"]
