"""The cospace domain: rules, conflict-free booking, search and reports.

Plain Python over plain values; it never imports Textual.
"""
