"""The duplicate cleanup wizard, over the Qt-free ``mediasift.dedup`` core."""
