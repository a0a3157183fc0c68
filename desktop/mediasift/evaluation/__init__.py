"""Retrieval quality on labelled queries: metrics, the labelled sets, and ``mediasift eval``."""
