"""The Keras SavedModel metadata message (``keras_metadata.pb``) from speclint's private pool.

``keras_subset.proto`` is compiled into the same descriptor set as the TensorFlow subset;
this module only names its classes, so importing it costs nothing beyond ``messages``.
"""

from __future__ import annotations

from speclint.proto.messages import message_class

SavedMetadata = message_class("speclint_keras.SavedMetadata")
KerasSavedObject = message_class("speclint_keras.SavedObject")

__all__ = ["KerasSavedObject", "SavedMetadata"]
