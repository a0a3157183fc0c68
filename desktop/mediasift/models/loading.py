"""Turn a model name (hub id or local folder) into a ready :class:`Encoder`.

A hub id is first resolved to a local snapshot folder (fetched by ``models.download``, the one
download path: only the files the model needs, resumable, checked), then loaded from that folder
exactly like a user-supplied one. Every way this can fail ends as :class:`ModelUnavailable`
with a message meant for the user (which model, why, how to get it), because the app must keep
working without a model; the front end says once what still works.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import re
from pathlib import Path

from .encoder import Encoder, ModelUnavailable
from .registry import (
    DEFAULT_MIN_SCORE,
    VISUAL_ROLE,
    ModelKind,
    ModelRole,
    default_model_id,
    get_spec,
)

logger = logging.getLogger(__name__)

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_CONFIG_SUFFIXES = (".json", ".txt", ".jinja", ".model", ".tiktoken")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".onnx", ".gguf")
# Hub folders holding other runtimes' copies of the weights; never needed here.
_SKIP_DIRS = ("onnx/", "openvino/", "coreml/", "tflite/", "gguf/")
_TRUE = {"1", "true", "yes", "on"}


def resolve_model(name: str, role: ModelRole = VISUAL_ROLE) -> tuple[Path, str, str]:
    """Return (local folder, model id, revision) for a hub id or a local folder path.

    A folder's id is its resolved path and its revision a content hash; a hub id is fetched
    (or found in the cache) and keeps its commit hash. Raises :class:`ModelUnavailable`.
    """
    local = as_local_folder(name, role)
    if local is not None:
        revision = folder_revision(local)
        logger.info("Using local model folder %s (revision %s)", local, revision)
        return local, str(local), revision
    folder, revision = _fetch_from_hub(name, role)
    return folder, name, revision


def load_encoder(name: str | None = None, device: str | None = None) -> Encoder:
    """Load an encoder by hub id or local folder path; None means the default for the device.

    Raises :class:`ModelUnavailable` (one clear message) when the model cannot be had.
    """
    from .device import choose_device  # torch: not for those who only fetch (models.download)

    device = choose_device(device)
    name = (name or "").strip() or default_model_id(device)
    folder, model_id, revision = resolve_model(name)
    kind = _detect_kind(folder, model_id)
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # the files are local now: no bar to watch
    spec = get_spec(model_id)
    min_score = spec.min_score if spec is not None else DEFAULT_MIN_SCORE[kind]
    try:
        if kind == "clip":
            from .clip import ClipEncoder

            encoder: Encoder = ClipEncoder.load(folder, model_id, revision, device, min_score)
        else:
            from .vlm import VlmEncoder

            encoder = VlmEncoder.load(folder, model_id, revision, device, min_score)
    except ModelUnavailable:
        raise
    except ImportError as exc:
        from .st import missing_library

        raise missing_library(VISUAL_ROLE.label, model_id, exc) from exc
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise unloadable(VISUAL_ROLE.label, model_id, folder, exc) from exc
    if spec is not None and spec.dim != encoder.space.dim:
        logger.warning(
            "%s gives %d-d vectors, the registry expects %d", model_id, encoder.space.dim, spec.dim
        )
    logger.info("Model ready: %s (%s on %s)", encoder.space.key, kind, device)
    return encoder


# -- local folders ---------------------------------------------------------------------------


def as_local_folder(name: str, role: ModelRole = VISUAL_ROLE) -> Path | None:
    """The folder ``name`` points to, or None when it is a hub id.

    An existing directory always wins; anything that cannot be a hub id ("org/name") is taken
    as a path, and a missing one is reported as such instead of being looked up on the hub.
    """
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    if _HUB_ID.match(name) and not name.startswith((".", "~")):
        return None
    if path.exists():
        raise ModelUnavailable(f"'{name}' is a file, not a model folder.")
    raise ModelUnavailable(f"{role.label} folder '{name}' does not exist.")


def folder_revision(folder: Path) -> str:
    """A short content hash of a local model folder, used as its space revision.

    Hashes the config/tokenizer files in full and, for weight files, name, size and the first
    and last MiB: cheap even for multi-GB weights, yet retrained weights of the same shape
    (same sizes) still change it, so their vectors land in a new space.
    """
    digest = hashlib.sha256()
    for path in sorted(_model_files(folder)):
        rel = path.relative_to(folder).as_posix()
        digest.update(rel.encode("utf-8") + b"\0")
        size = path.stat().st_size
        digest.update(str(size).encode() + b"\0")
        with path.open("rb") as handle:
            if path.name.endswith(WEIGHT_SUFFIXES) and size > 2 * 2**20:
                digest.update(handle.read(2**20))
                handle.seek(-(2**20), os.SEEK_END)
                digest.update(handle.read(2**20))
            elif path.name.endswith(_CONFIG_SUFFIXES + WEIGHT_SUFFIXES):
                digest.update(handle.read())
    return digest.hexdigest()[:12]


def _model_files(folder: Path) -> list[Path]:
    """Config and weight files at the top level and one folder down (ST module folders)."""
    candidates = [*folder.glob("*"), *folder.glob("*/*")]
    return [
        path
        for path in candidates
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.name.endswith(_CONFIG_SUFFIXES + WEIGHT_SUFFIXES)
    ]


def _detect_kind(folder: Path, model_id: str) -> ModelKind:
    """Sentence Transformers folders are 'vlm'; a transformers config of type clip is 'clip'."""
    st_files = ("modules.json", "config_sentence_transformers.json")
    if any((folder / name).is_file() for name in st_files):
        return "vlm"
    config_path = folder / "config.json"
    model_type = None
    if config_path.is_file():
        try:
            model_type = json.loads(config_path.read_text(encoding="utf-8")).get("model_type")
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(
                f"Model '{model_id}' has an unreadable config.json ({exc})."
            ) from exc
    if model_type == "clip":
        return "clip"
    spec = get_spec(model_id)
    if spec is not None and config_path.is_file():
        return spec.kind
    what = f"model type '{model_type}'" if model_type else "no config.json or modules.json"
    raise ModelUnavailable(
        f"'{model_id}' is not a model MediaSift can use ({what}); it needs a CLIP model or a "
        "Sentence Transformers model."
    )


# -- the hub ---------------------------------------------------------------------------------


def hub_offline() -> bool:
    """Read the offline switches now (huggingface_hub reads them once, at import)."""
    from huggingface_hub import constants

    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return any((flag or "").strip().lower() in _TRUE for flag in flags) or bool(
        constants.HF_HUB_OFFLINE
    )


def hub_cache() -> str:
    from huggingface_hub import constants

    if os.environ.get("HF_HUB_CACHE"):
        return os.path.expanduser(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return os.path.join(os.path.expanduser(os.environ["HF_HOME"]), "hub")
    return constants.HF_HUB_CACHE


def _unreachable(model_id: str, role: ModelRole = VISUAL_ROLE) -> ModelUnavailable:
    why = " (HF_HUB_OFFLINE is set)" if hub_offline() else ""
    return ModelUnavailable(
        f"{role.label} '{model_id}' is not on this computer and the model hub cannot be "
        f"reached{why}. {role.how_to_get(model_id)}"
    )


def _fetch_from_hub(model_id: str, role: ModelRole = VISUAL_ROLE) -> tuple[Path, str]:
    """Return (snapshot folder, commit hash), fetching what is missing (``models.download``).

    Offline, or when the hub cannot be reached, a complete cached snapshot is used; so it is
    when a download fails on the way and an earlier one is here (the app works on with it).
    """
    from .download import DownloadError, Offline, cached_snapshot, fetch

    try:
        result = fetch(model_id)
    except Offline as exc:
        raise _unreachable(model_id, role) from exc
    except DownloadError as exc:
        folder = cached_snapshot(model_id)
        if folder is None:
            raise ModelUnavailable(str(exc)) from exc  # it names the model
        logger.info("Using cached %s (revision %s): %s", model_id, folder.name[:12], exc)
        return folder, folder.name
    logger.info("%s from the %s (revision %s)", model_id, result.source, result.revision[:12])
    return result.folder, result.revision


def transport_errors() -> tuple[type[Exception], ...]:
    """The HTTP client's error base classes: connection failures there are not OSErrors.

    Looked up by name because huggingface_hub has changed HTTP clients across versions.
    """
    errors: list[type[Exception]] = []
    for module_name, attribute in (
        ("httpx2", "HTTPError"),
        ("httpx", "HTTPError"),
        ("requests", "RequestException"),
    ):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        error = getattr(module, attribute, None)
        if isinstance(error, type) and issubclass(error, Exception):
            errors.append(error)
    return tuple(errors)


def files_to_download(siblings: list) -> list[str]:
    """Config/tokenizer files plus one weight format: safetensors if present, else .bin."""
    names = [s.rfilename for s in siblings if not s.rfilename.startswith(_SKIP_DIRS)]
    # Top level and one folder down: Sentence Transformers keeps module configs in "1_Pooling/".
    names = [n for n in names if n.count("/") <= 1]
    configs = [n for n in names if n.endswith(_CONFIG_SUFFIXES)]

    def weights(suffix: str) -> list[str]:
        # laion repos also carry open_clip copies; training_args.bin is not a weight file.
        skip = ("open_clip", "flax", "training_args")
        return [n for n in names if n.endswith(suffix) and not any(s in n for s in skip)]

    chosen = weights(".safetensors") or weights(".bin")
    return sorted(set(configs + chosen))


def unloadable(label: str, model_id: str, folder: Path, exc: BaseException) -> ModelUnavailable:
    """The user's one line when a model's files would not load (the traceback goes to the log:
    call it while handling ``exc``)."""
    logger.exception("Loading %s %s from %s failed", label.lower(), model_id, folder)
    return ModelUnavailable(
        f"{label} '{model_id}' could not be loaded: {_first_line(exc)}. "
        "The model files may be incomplete or of an unsupported kind."
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__).rstrip(".")
