"""formcheck: camera form checks for the posterior chain (deadlift, plank, kettlebell swing)."""

from formcheck.errors import ConfigError, FormcheckError, InputError, ModelError
from formcheck.series import PoseSeries, SourceInfo

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "FormcheckError",
    "InputError",
    "ModelError",
    "PoseSeries",
    "SourceInfo",
    "__version__",
]
