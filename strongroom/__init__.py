"""Strongroom: keeps the customer data a BPO holds for its clients, and records every use of it."""

__version__ = "0.1.0"
