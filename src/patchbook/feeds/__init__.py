"""Advisory data: OSV records (directory trees, per-ecosystem zips, JSON or YAML), the CISA KEV catalog;
offline import from files and online sync from the public URLs. Parsing only; the store is written by
``patchbook.service.feeds``."""

# The OSV ecosystems `feeds sync` fetches unless told otherwise (here, not in sync.py, so the CLI can
# show the default without loading the HTTP client on every command).
DEFAULT_ECOSYSTEMS = ("PyPI", "npm", "Maven", "Go", "crates.io")
