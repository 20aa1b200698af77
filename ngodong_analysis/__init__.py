"""ngodong_analysis: tidy tables, analysis and charts from grassroots Party workbooks.

>>> import ngodong_analysis as nd
>>> ds = nd.load_dataset()          # the project's data/raw
>>> ds.cell_ratings.head(3)[["year", "cell_id", "cell", "rating", "rank", "tier"]]
   year  cell_id                            cell rating  rank  tier
0  2015  cong-an         Chi bộ Công an thị trấn   TSVM     1     2
1  2015  mam-non  Chi bộ Trường Mầm non Ngô Đồng  HTTNV     2     3
2  2015  quan-su         Chi bộ Quân sự thị trấn  HTTNV     2     3

``nd.analysis`` and ``nd.plots`` are imported on first use, so that importing the package
stays cheap (matplotlib is only loaded when a chart is drawn).
"""

from importlib import import_module

from .dataset import Dataset
from .i18n import set_language
from .load import (
    load_cell_ratings,
    load_committee_ratings,
    load_dataset,
    load_income,
    load_member_ratings,
    load_members,
    validate,
)
from .problems import DataError, Problem, problems_frame

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "Dataset",
    "Problem",
    "__version__",
    "analysis",
    "load_cell_ratings",
    "load_committee_ratings",
    "load_dataset",
    "load_income",
    "load_member_ratings",
    "load_members",
    "plots",
    "problems_frame",
    "set_language",
    "validate",
]


def __getattr__(name: str):
    if name in ("analysis", "plots"):
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
