"""The paper's statements, registered on import (see :mod:`theorems.registry`)."""

from . import leaky, relu  # noqa: F401
