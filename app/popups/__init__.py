"""Pop-up campaigns: validation, the prize draw, code pools, targeting and plays."""
