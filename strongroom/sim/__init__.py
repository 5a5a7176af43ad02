"""A synthetic BPO: made-up clients, their customers, the people who serve them, a month of
their work, and insider attacks injected among it, labelled. Every value is generated; none is
real.

`customers` makes customer records for the vault (the demo and tests); `simulation.simulate`
writes a run for the auditor (`strongroom sim`): `world` (tenants, sites, actors) and `roster`
(shifts) set the scene, `traffic` is the honest work and its noise, `attacks` plans the
injections and `playbook` plays them, `tickets` is the CRM, `session` formats event lines and
`writer` streams them, time-ordered, to the files `strongroom.detect` reads.
"""
