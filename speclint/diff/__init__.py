"""``speclint diff``: what changed for consumers between two versions of a model.

The data flow is the lint pipeline's, doubled: each version is read into a facts document
(``speclint.read``), each facts document is reduced to its consumer-facing *contract view*
(``view``), the two views are compared into a list of *deltas* (``deltas``), and change rules
(data in ``schemas/changes/``) turn deltas into findings (``changes``). Nothing here parses a
protobuf: diff compares facts. ``sources`` only decides where the OLD files come from (a
directory, or git objects at a revision).
"""
