"""The kinds of tolerance magnitude a function declares (``Function.magnitude``):
the m of API.md's rule |got - expected| <= atol + rtol * m."""

ARRAY_ARGS_ABS = "abs"   # the reference applied to |inputs|
X_ABS = "x_abs"          # |x|
ONE = "one"              # 1
EXACT = "exact"          # compared exactly: integers, or arrays a function only rearranges
