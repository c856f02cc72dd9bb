"""MODEL -> LOADS: the one network and evaluator, the failure-set sweep, KPIs, snapshot."""
