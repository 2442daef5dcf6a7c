"""A whole class: class folder -> jobs -> store -> gradebook (``run``), with archives and the roster."""
