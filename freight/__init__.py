"""freight: a multimodal freight network optimizer for the Chuannan–Yuxi region.

Units throughout: tonnes per year (flows, demand, capacity), CNY (price year 2023), hours, km.
"""

__version__ = "0.1.0"
