"""The graph index: every node and function argument of a GraphDef and its library, by integer id.

One contract, two builders, one set of queries, each in its own module:

- ``tables``: ``ScopeTables``, the named tables the builders fill and the queries read;
- ``node_rules``: what one NodeDef means to the index (kind, channels-first layout, string
  value, output index), written once in Python as the reference the C builder is held to;
- ``from_messages``: the tables of parsed NodeDefs, in Python;
- ``from_wire``: the tables read from the file's bytes by the accelerator (``speclint._wire``);
- ``index``: ``GraphIndex``, the data-flow queries over the tables;
- ``floods``: the queries' inner loops in Python, the reference for their C twins.
"""
