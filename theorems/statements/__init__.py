"""The paper's statements, registered on import (see :mod:`theorems.registry`)."""

from . import auxiliary, conjectures, leaky, preliminaries, relu  # noqa: F401
