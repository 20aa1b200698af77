"""ngodong_analysis: tidy tables, analysis and charts from grassroots Party workbooks.

>>> import ngodong_analysis as nd
>>> ds = nd.load_dataset()          # the project's data/raw
>>> ds.cell_ratings.head()
"""

from .dataset import Dataset
from .problems import DataError, Problem

__version__ = "0.1.0"

__all__ = [
    "Dataset",
    "DataError",
    "Problem",
    "__version__",
]
