"""Pure network-optimization algorithms on numpy arrays.

Nothing here knows about ports, projects or scenarios: nodes are integers ``0..n-1``, arcs are
parallel arrays, and every result is an immutable dataclass with ``status`` and ``objective``.
See DESIGN.md §5 for the public contracts.
"""
