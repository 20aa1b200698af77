"""What the build writes: the processed tables (``store``), charts (``figures``), the
Excel report (``report`` on ``xlsx``), templates, notebooks and the manifest (see
docs/architecture.md). Never imports ``ingest``."""
