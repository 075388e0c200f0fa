"""Order flow: patchbook's JSONL flow format, a synthetic generator and the LOBSTER importer."""

from patchbook.simulate.flow.format import FLOW_OPS, load_flow, read_flow, validate_record, write_flow

__all__ = ["FLOW_OPS", "load_flow", "read_flow", "validate_record", "write_flow"]
