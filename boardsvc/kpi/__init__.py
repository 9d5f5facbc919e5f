"""KPI dashboards: figures per board and period, computed by database aggregation.

``selectors`` holds the figures, ``period`` the validated reporting period, ``targets`` the
waiting-time targets (fixed defaults, R16), ``aggregates`` the percentile aggregate and its
SQLite fallback, ``charts`` the geometry of the server-rendered SVG charts, ``sections`` each
dashboard section's named figures (the API), table (page and CSV) and charts.
"""
