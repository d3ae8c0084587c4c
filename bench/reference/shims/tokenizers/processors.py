"""Import-only placeholder (see the package docstring)."""
from . import __getattr__  # noqa: F401
