"""The version of speclint, in a module of its own that imports nothing.

Every module that prints or records the version imports it from here, never from the
``speclint`` package itself: the package's ``__init__`` is the door to the Python API, and a
module below it importing it back would close an import circle.
"""

__version__ = "0.2.0"
