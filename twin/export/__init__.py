"""Exports of a layout to other tools: OpenUSD (usd), NetBox CSV (netbox), Graphviz (dot)."""
