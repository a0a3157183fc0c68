"""MediaSift: find your own files by describing them."""

__version__ = "0.1.0"
