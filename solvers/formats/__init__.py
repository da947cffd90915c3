"""Readers for published problem formats (DIMACS, TNTP, CVRPLIB/Solomon, linear MCF sets).

Each reader turns a published instance file into the arrays its solver takes. A file that does
not follow its format raises a subclass of :class:`InstanceFormatError` whose message names the
file and line; the command line reports it with exit code 2.
"""


class InstanceFormatError(ValueError):
    """A published-instance file that does not follow its format (the message names file and line)."""
