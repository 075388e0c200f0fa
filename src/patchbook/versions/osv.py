def affected(*a): pass
affected_entries=entry_affected=fixed_for=range_contains=affected
