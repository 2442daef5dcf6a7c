"""Exercise-agnostic grading: spec -> cases -> (sandbox) -> compare -> identify -> results -> report."""
