"""`pad_sequences` (keras/src/utils/sequence_utils.py): ragged sequences -> one padded array."""

from __future__ import annotations

from typing import Any

import numpy as np


def pad_sequences(
    sequences: Any,
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pads (and truncates) a list of sequences to one array of shape (len(sequences), maxlen, ...).

    Sequences shorter than `maxlen` are filled with `value`; longer ones lose their first
    (truncating="pre") or last ("post") entries. Padding goes before ("pre", the default,
    so the real steps end the row) or after ("post") each sequence.

    Args:
        sequences: list of sequences (lists or arrays); each entry may itself be an array,
            whose shape must be the same in every sequence.
        maxlen: the output length; default the longest sequence.
        dtype: output dtype, default "int32" (`object` for strings of varying length).
        padding: "pre" or "post".
        truncating: "pre" or "post".
        value: the padding value, default 0.0 (cast to `dtype`).

    Returns:
        np.ndarray (num_samples, maxlen, *sample_shape).

    Raises:
        ValueError: for a non-iterable argument or entry, an unknown padding/truncating,
            a string `value` with a non-string dtype, or entries of different shapes.

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
        array([[0, 1],
               [2, 3],
               [5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"`sequences` must be iterable. Received: sequences={sequences!r}")
    for name, option in (("padding", padding), ("truncating", truncating)):
        if option not in ("pre", "post"):
            raise ValueError(f'`{name}` must be "pre" or "post". Received: {name}={option!r}')
    is_str_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_str_dtype:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}. "
            "Set dtype=object for variable length strings."
        )
    # Converting each ragged sequence is the one per-sequence step; the copy below is vectorised.
    arrays = []
    for seq in sequences:
        if not hasattr(seq, "__len__"):
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {seq!r}")
        arrays.append(np.asarray(seq, dtype=dtype) if len(seq) else None)
    sample_shape = next((a.shape[1:] for a in arrays if a is not None), ())
    for i, a in enumerate(arrays):
        if a is not None and a.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {a.shape[1:]} of sequence at position {i} is different from expected "
                f"shape {sample_shape}"
            )
    lengths = np.array([0 if a is None else len(a) for a in arrays], dtype=np.int64)
    if maxlen is None:
        maxlen = int(lengths.max()) if lengths.size else 0
    out = np.full((len(arrays), maxlen, *sample_shape), value, dtype=dtype)
    kept = np.minimum(lengths, maxlen)
    if not kept.sum():
        return out
    flat = np.concatenate([a for a in arrays if a is not None])
    # Sequence i starts at offsets[i] in `flat`; it keeps kept[i] entries from src[i] on and
    # writes them at columns dst[i], dst[i] + 1, ...
    offsets = np.cumsum(lengths) - lengths
    src = offsets + (lengths - kept if truncating == "pre" else 0)
    dst = maxlen - kept if padding == "pre" else np.zeros_like(kept)
    rows = np.repeat(np.arange(len(arrays)), kept)
    step = np.arange(int(kept.sum())) - np.repeat(np.cumsum(kept) - kept, kept)  # 0.. kept[i]-1 per row
    out[rows, np.repeat(dst, kept) + step] = flat[np.repeat(src, kept) + step]
    return out
