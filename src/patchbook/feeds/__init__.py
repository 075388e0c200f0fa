"""Advisory data: OSV records (directory trees, per-ecosystem zips, JSON or YAML), the CISA KEV catalog;
offline import from files and online sync from the public URLs. Parsing only; the store is written by
``patchbook.service.feeds``."""
