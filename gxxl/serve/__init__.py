"""gxxl serve: the collection service (收集服务) — bureaus upload in a browser, the county office
sees the board, returns or confirms, chases the late ones and downloads the 汇总.

A Django app whose settings are built in code from the data folder (``conf.configure``), served by
waitress. The work itself is done by the library: ``gxxl.validate`` on every stored upload (in a
worker process, see ``worker.py``) and ``gxxl.consolidate`` over each organ's counted submission.

May import: schema, errors, model, util, workbook, ingest, api, rules, render, consolidation, samples (demo).
Imported by: cli (``gxxl serve``). Django is imported only inside this package.
"""
from __future__ import annotations
