"""``python -m grader.batch``: grade the jobs on stdin (a Dask task's fresh process)."""
from grader.batch.run import _subprocess_main

_subprocess_main()
