"""``python -m grader`` is ``euron-grade``."""
import sys

try:
    from grader.cli import main
except ImportError as exc:   # a checkout run before `pip install -e .`
    sys.stderr.write(f"Error: euron-grade is not installed here ({exc}); "
                     f"run `pip install -e .` in the project folder first.\n")
    sys.exit(2)

main(prog_name="euron-grade")
