"""Names of the per-file stages that record a file's vectors in one space (kept apart from
the pipeline, whose import loads the decoders: status and prune need only the names)."""


def embed_stage(space_id: int) -> str:
    """The stage name recording that a file has its visual vectors in one space."""
    return f"embed:{space_id}"


def text_stage(space_id: int) -> str:
    """The stage name recording that a file's text has its vectors in one text space."""
    return f"text:{space_id}"
