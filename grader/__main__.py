"""``python -m grader`` is ``euron-grade``."""
from grader.cli import main

main(prog_name="euron-grade")
