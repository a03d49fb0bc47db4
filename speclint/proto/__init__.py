"""speclint's own wire-compatible .proto subset: ``messages`` loads it, ``build`` compiles it."""
