"""A synthetic BPO: made-up clients' customers (and, later, agents and traffic) for the demo,
tests and benchmarks. Every value is generated; none is real."""
