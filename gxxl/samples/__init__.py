"""Built-in sample data and the demo: a sample bureau (``bureau``), a fictitious county of bureaus
(``county``) and ``gxxl demo`` (``demo``), which runs the main jobs on them.

May import every job below it (workbook, rules, render, audit, consolidation). Imported by: cli and tests.
"""
