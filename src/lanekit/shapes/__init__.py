"""Every JSON body Lanekit emits: pure functions from records, no I/O."""
