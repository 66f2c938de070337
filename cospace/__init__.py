"""cospace: room and desk booking for jobcentres shared by a host and partner organisations.

The product's code lives in four top-level packages, ``booking`` (the domain), ``db`` (the
store), ``tui`` (the terminal app) and ``cli`` (the command line). This package holds only the
``cospace`` command's entry point (:mod:`cospace.entry`), which checks that those four are this
distribution's own before importing them.
"""
