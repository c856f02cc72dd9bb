"""MODEL -> LOADS: the one network and evaluator, its limits, the sweep, KPIs, snapshot.

flow (the evaluator), limits (what a limit is), hourly (the evaluator over a year),
thermal (ambient models), sweep and incremental (the private engine's answers), graph
(questions of shape), kpis, snapshot. Nothing outside this package decides what is
live, how load splits or what a limit is.
"""
