"""The domain: plain typed objects with no I/O. Each stage reads and returns these."""
