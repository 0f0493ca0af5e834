"""Data exports for sponsors and monitors: CSV per form, CDISC SDTM datasets and CDISC ODM-XML.

The call path: view / management command → `exports.services` → `exports.loader` (a fixed
number of queries) → the pure builders `exports.form_csv`, `exports.sdtm`, `exports.odm`
(SDTM files: `exports.sdtm_files` for CSV and XPT, `exports.dataset_json` for Dataset-JSON).
"""
