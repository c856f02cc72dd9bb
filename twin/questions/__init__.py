"""SNAPSHOT -> ANSWERS: what-if, headroom, capacity, diff, floor plan, simulate."""
