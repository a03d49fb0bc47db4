"""speclint: check TensorFlow image SavedModels against the TF Hub image contracts."""

__version__ = "0.1.0"
