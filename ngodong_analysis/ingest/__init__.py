"""Reading the workbooks: read → guard → detect → extract → normalise → assemble →
validate (see docs/architecture.md). Nothing here is imported by ``analysis`` or
``outputs``."""
