"""The narrative parts (前言, 一, 五, 六) as text: where they come from (正文 cells, a .md or .docx file,
``text``), their placeholders (codes and Chinese aliases derived from the schema, ``placeholders``),
rendering them with the report's numbers (``text``), and the model text of new workbooks (``model_text``,
pure data).

May import: schema, errors, model, util. Imported by: workbook (model text), rules (placeholders are
filled before the text checks), render, and the front ends.
"""
