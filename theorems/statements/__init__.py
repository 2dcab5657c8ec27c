"""The paper's statements, one module per part of the paper; each registers its statements in
:mod:`theorems.registry` when imported. :mod:`theorems.catalogue` imports them all (this package
imports none of them, so importing one statement module does not import the others)."""
