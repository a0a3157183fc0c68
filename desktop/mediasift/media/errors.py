"""The one error type media readers raise; its message is the reason shown to the user."""


class MediaError(Exception):
    """A file could not be read; ``str(exc)`` says why in plain words."""
