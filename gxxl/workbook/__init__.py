"""The locked Excel workbook: build it from the schema (``build``, ``api``), check a file before
reading it (``guard``: format by content, zip bombs, far cells, macros), read it into an AnnualReport
(``read``, python-calamine).

May import: schema, errors, model, util, narrative (model text). Imported by: api, rules' callers and
every job above.
"""
