"""cmacop: the yearly reporting cycle of the COP 2023-2027 of the CMA network."""

__version__ = "0.1.0"
