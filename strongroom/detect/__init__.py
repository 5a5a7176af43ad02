"""The continuous auditor: data-access events in, explained insider-threat alerts out.

`events` reads the ingest schema (a contract other systems write), `context` the folder of
assignments, shifts, tickets and badges it is judged against, `detectors/` the detectors (a
learned per-actor and peer baseline, and explicit rules for what a baseline cannot see),
`auditor` runs them over a stream, `evaluate` scores alerts against labels.
"""
