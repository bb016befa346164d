"""Shared helpers with no knowledge of the report: atomic outputs and text decoding (``fileio``), safe user
text in spreadsheets (``safety``), LibreOffice headless (``libreoffice``), the fast xlsx writer
(``xlsxfast``), the compound-file writer (``cfb``), the version (``version``).

May import: ``gxxl.errors`` and each other. Imported by every layer above.
"""
