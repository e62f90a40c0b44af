"""Onboarding a new city's CAD export: infer what each column means and propose a profile.

`infer.infer_export(header, rows)` reads a sample (plain lists of strings, no I/O) and proposes a
role for each column, time formats, a time zone when the data give evidence, a bounding box and
code tables; `write.write_city` turns the proposal into a profile folder (profile.yaml,
mapping.yaml, crosswalk.csv, review.html). Everything it proposes is a proposal: the review
worksheet says what to check, and the ingest that follows counts what does not fit.
"""
