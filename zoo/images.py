"""Image grids as PNG."""

import math

import numpy as np

from zoo import files


def to_uint8(images):
    """[-1, 1] floats -> uint8."""
    return np.clip(np.round((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def grid(images, columns=None):
    """[n, H, W, C] images in [-1, 1] -> one uint8 [rows*H, cols*W, C] mosaic."""
    images = to_uint8(images)
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    mosaic = np.zeros((rows * h, columns * w, c), np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        mosaic[r * h : (r + 1) * h, col * w : (col + 1) * w] = image
    return mosaic


def side_by_side(*columns):
    """Interleaves image batches of equal size ``[n, H, W, C_i]`` into rows
    (row i = the i-th image of each batch), greyscale widened to the largest
    channel count; grid the result with ``columns=len(columns)``."""
    channels = max(np.shape(c)[-1] for c in columns)
    widened = [np.repeat(c, channels, axis=-1) if np.shape(c)[-1] != channels else np.asarray(c) for c in columns]
    stacked = np.stack(widened, axis=1)  # [n, len(columns), H, W, C]
    return stacked.reshape(-1, *stacked.shape[2:])


def save_grid(images, path, columns=None, scale=1):
    """Writes a PNG grid atomically (temp file + rename)."""
    from PIL import Image

    mosaic = grid(images, columns)
    image = Image.fromarray(mosaic[..., 0] if mosaic.shape[-1] == 1 else mosaic)
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    with files.atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
    return path
