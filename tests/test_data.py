"""zoo.data: TFDS by name, image folders, clear errors, exact resumption."""

import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from helpers import SHARED, USPS, needs_mnist
from zoo import data


def write_images(folder, n, size=(12, 10), mode="RGB", seed=0):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    for i in range(n):
        pixels = rng.integers(0, 256, (*size, channels), dtype=np.uint8)
        Image.fromarray(pixels[..., 0] if channels == 1 else pixels, mode).save(os.path.join(folder, f"{i:03d}.png"))


@needs_mnist
def test_tfds_mnist_batches_in_range():
    ds = data.load("mnist", batch_size=32, steps_per_epoch=3)
    batches = list(ds)
    assert len(batches) == 3 and ds.steps_per_epoch == 3 and ds.num_examples == 60_000
    x = batches[0].numpy()
    assert x.shape == (32, 28, 28, 1) and x.dtype == np.float32
    assert x.min() == -1.0 and x.max() == 1.0  # MNIST has pure black and white pixels
    assert not np.array_equal(batches[0].numpy(), batches[1].numpy())


@needs_mnist
def test_tfds_images_are_exact_and_paired_with_their_labels():
    # Native size and channels: no resampling or colour round trip, so the
    # values are exactly uint8 / 127.5 - 1, each with its own label.
    import tensorflow_datasets as tfds

    raw = tfds.as_numpy(tfds.load("mnist", split="train", batch_size=64))
    first = next(iter(raw))
    images, labels = next(iter(data.load("mnist", batch_size=64, with_labels=True, shuffle=False)))
    np.testing.assert_array_equal(images.numpy(), first["image"].astype(np.float32) / 127.5 - 1.0)
    np.testing.assert_array_equal(labels.numpy(), first["label"])


@needs_mnist
def test_tfds_labels_resize_and_channels():
    images, labels = next(iter(data.load("mnist", batch_size=16, image_size=32, channels=3, with_labels=True)))
    assert images.shape == (16, 32, 32, 3) and labels.shape == (16,)
    assert set(labels.numpy()) <= set(range(10))
    np.testing.assert_array_equal(images[..., 0], images[..., 2])  # grey -> RGB copies


def test_unknown_tfds_name_and_split():
    with pytest.raises(data.DataError, match="Unknown TFDS dataset 'mnistt'"):
        data.load("mnistt")


@needs_mnist
def test_unknown_split_lists_splits():
    with pytest.raises(data.DataError, match=r"no split 'validation'.*\['test', 'train'\]"):
        data.load("mnist", split="validation")


def test_labelled_folder_layout_usps_or_synthetic(tmp_path):
    root = USPS if os.path.isdir(USPS) else None
    if root is None:
        root = tmp_path / "digits"
        for label in ("0", "1"):
            write_images(root / "train" / label, 10, size=(16, 16), mode="L")
    images, labels = next(iter(data.load(root, batch_size=8, with_labels=True, seed=1)))
    assert images.shape == (8, 16, 16, 1)
    assert labels.dtype == np.int32 and labels.numpy().max() <= 9


def test_flat_folder_greyscale_to_rgb_and_resize(tmp_path):
    write_images(tmp_path / "flat", 6, mode="L")
    x = next(iter(data.load(str(tmp_path / "flat"), batch_size=4, image_size=8, channels=3)))
    assert x.shape == (4, 8, 8, 3) and -1 <= x.numpy().min() and x.numpy().max() <= 1


def test_rgba_is_read_as_rgb(tmp_path):
    write_images(tmp_path / "rgba", 4, mode="RGBA")
    x = next(iter(data.load(str(tmp_path / "rgba"), batch_size=4, channels=3)))
    assert x.shape == (4, 12, 10, 3)


def test_folder_errors_name_the_problem(tmp_path):
    with pytest.raises(data.DataError, match="does not exist"):
        data.load(str(tmp_path / "missing"))
    os.makedirs(tmp_path / "empty")
    with pytest.raises(data.DataError, match="No images"):
        data.load(str(tmp_path / "empty"))
    write_images(tmp_path / "bad", 4)
    (tmp_path / "bad" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg")
    with pytest.raises(data.DataError, match="broken.jpg"):
        data.load(str(tmp_path / "bad"), batch_size=2)
    write_images(tmp_path / "mixed", 3, size=(8, 8))
    write_images(tmp_path / "mixed2", 3, size=(9, 9), seed=1)
    for f in os.listdir(tmp_path / "mixed2"):
        os.rename(tmp_path / "mixed2" / f, tmp_path / "mixed" / f"b{f}")
    with pytest.raises(data.DataError, match="different sizes"):
        data.load(str(tmp_path / "mixed"), batch_size=2)
    with pytest.raises(data.DataError, match="channels must be 1"):
        data.load(str(tmp_path / "mixed"), channels=4)
    with pytest.raises(data.DataError, match="flat folder"):
        data.load(str(tmp_path / "bad"), with_labels=True)
    with pytest.raises(data.DataError, match="fewer than one batch"):
        data.load(str(tmp_path / "mixed"), batch_size=100, image_size=8)


def test_mixed_channel_counts_need_an_explicit_choice(tmp_path):
    write_images(tmp_path / "mix", 2, mode="L")
    write_images(tmp_path / "mix2", 2, mode="RGB", seed=1)
    for f in os.listdir(tmp_path / "mix2"):
        os.rename(tmp_path / "mix2" / f, tmp_path / "mix" / f"c{f}")
    with pytest.raises(data.DataError, match=r"mix channel counts \[1, 3\]"):
        data.load(str(tmp_path / "mix"), batch_size=2)
    assert next(iter(data.load(str(tmp_path / "mix"), batch_size=2, channels=1))).shape[-1] == 1


def test_resumed_dataset_continues_the_same_batches(tmp_path):
    """epochs=4 from epoch 0 vs from epoch 2: the tail is identical, each
    epoch is a different permutation of the same images."""
    write_images(tmp_path / "imgs", 12, size=(4, 4), mode="L")
    kwargs = dict(batch_size=4, seed=7, epochs=4)
    full = [b.numpy() for b in data.load(str(tmp_path / "imgs"), **kwargs)]
    tail = [b.numpy() for b in data.load(str(tmp_path / "imgs"), first_epoch=2, **kwargs)]
    assert len(full) == 12 and len(tail) == 6
    for a, b in zip(full[6:], tail):
        np.testing.assert_array_equal(a, b)
    epoch0, epoch1 = np.concatenate(full[0:3]), np.concatenate(full[3:6])
    assert not np.array_equal(epoch0, epoch1)
    np.testing.assert_array_equal(np.sort(epoch0.reshape(12, -1), axis=0), np.sort(epoch1.reshape(12, -1), axis=0))


# === Captions ===


def _class_of(caption, spec):
    owners = [k for k, phrasings in enumerate(spec["train"]) if caption in phrasings]
    assert len(owners) == 1, f"{caption!r} belongs to classes {owners}"
    return owners[0]


@needs_mnist
def test_captioned_batches_match_labels_and_mismatch_other_classes():
    spec = data.load_captions("fashion_mnist")
    ds = data.load("fashion_mnist", batch_size=64, captions="fashion_mnist", shuffle=False, steps_per_epoch=4)
    _, labels = data.arrays("fashion_mnist", split="train", with_labels=True)
    for i, batch in enumerate(ds):
        assert set(batch) == {"images", "text", "mismatched_text"}
        true = labels[i * 64 : (i + 1) * 64]
        said = [_class_of(t.decode(), spec) for t in batch["text"].numpy()]
        wrong = [_class_of(t.decode(), spec) for t in batch["mismatched_text"].numpy()]
        assert said == list(true)
        assert all(w != t for w, t in zip(wrong, true))


@needs_mnist
def test_captions_are_keyed_on_seed_and_epoch_and_resume_exactly():
    full = list(data.load("fashion_mnist", batch_size=32, captions="fashion_mnist", epochs=2, steps_per_epoch=3, seed=5))
    resumed = list(data.load("fashion_mnist", batch_size=32, captions="fashion_mnist", epochs=2, first_epoch=1, steps_per_epoch=3, seed=5))
    for a, b in zip(full[3:], resumed):
        assert list(a["text"].numpy()) == list(b["text"].numpy())
    other = list(data.load("fashion_mnist", batch_size=32, captions="fashion_mnist", epochs=1, steps_per_epoch=3, seed=6))
    assert any(list(a["text"].numpy()) != list(b["text"].numpy()) for a, b in zip(full, other))


def test_heldout_phrasings_are_never_trained_on_and_use_known_words():
    from zoo.conditions import standardize as _standardize
    from zoo.models.text2image import caption_vocabulary

    spec = data.load_captions("fashion_mnist")
    train = {p for ps in spec["train"] for p in ps}
    vocabulary = set(caption_vocabulary())
    for phrasings in spec["heldout"]:
        for p in phrasings:
            assert p not in train
            assert set(_standardize(p).split()) <= vocabulary, p


def test_bad_caption_sets_are_clear_errors(tmp_path):
    with pytest.raises(data.DataError, match="Unknown caption set 'birds'"):
        data.load_captions("birds")
    path = tmp_path / "c.json"
    path.write_text('{"classes": ["a", "b"], "train": [["x"]], "heldout": [["y"], ["z"]]}')
    with pytest.raises(data.DataError, match="each of the 2 classes"):
        data.load_captions(str(path))


# === Paired translation ===


def test_side_by_side_files_split_into_input_and_target(tmp_path):
    """The pix2pix dataset layout: each file is A|B; image_size is one half."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "train"
    folder.mkdir()
    halves = []
    for i in range(4):
        a = rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)
        b = rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)
        Image.fromarray(np.concatenate([a, b], axis=1)).save(folder / f"{i}.png")
        halves.append((a, b))
    for pairs, (first, second) in (("side_by_side", (0, 1)), ("side_by_side_reversed", (1, 0))):
        ds = data.load(str(tmp_path), batch_size=4, image_size=16, channels=3, pairs=pairs, shuffle=False)
        inputs, targets = next(iter(ds))
        assert inputs.shape == (4, 16, 16, 3) and targets.shape == (4, 16, 16, 3)
        for i, pair in enumerate(halves):
            np.testing.assert_allclose(inputs[i].numpy(), pair[first] / 127.5 - 1, atol=1e-6)
            np.testing.assert_allclose(targets[i].numpy(), pair[second] / 127.5 - 1, atol=1e-6)


def test_edges_and_greyscale_pairs():
    images = np.full((2, 16, 16, 3), -1.0, np.float32)
    images[:, :, 8:] = 1.0  # one vertical black/white boundary
    edges = data.edge_map(images).numpy()
    assert edges.shape == (2, 16, 16, 1)
    assert set(np.unique(edges)) == {-1.0, 1.0}
    columns = np.flatnonzero((edges[0, 8] < 0))
    assert set(columns) <= {7, 8} and len(columns) >= 1  # lines only at the boundary
    grey = data.greyscale(images).numpy()
    np.testing.assert_allclose(grey[0, 0, [0, 15], 0], [-1.0, 1.0], atol=1e-3)
    with pytest.raises(data.DataError, match="pairs must be one of"):
        data.load("mnist", pairs="sketch")
    with pytest.raises(data.DataError, match="cannot be combined"):
        data.load("mnist", pairs="edges", with_labels=True)


@needs_mnist
def test_colorize_needs_rgb():
    with pytest.raises(data.DataError, match="needs RGB targets"):
        data.load("mnist", pairs="colorize")


def test_unpaired_batches_come_from_each_domain_in_the_trainA_trainB_layout(tmp_path):
    # The original CycleGAN folders: <root>/trainA, <root>/trainB. Domain A is
    # dark (< 100), domain B bright (> 150), so a batch shows where it came from.
    for split, low in (("trainA", 0), ("trainB", 160)):
        folder = tmp_path / split
        folder.mkdir()
        rng = np.random.default_rng(low)
        for i in range(9 if split == "trainA" else 13):
            Image.fromarray(rng.integers(low, low + 90, (8, 8), dtype=np.uint8)).save(folder / f"{i}.png")
    ds = data.load(str(tmp_path), split="trainA", unpaired=str(tmp_path), unpaired_split="trainB",
                   batch_size=4, epochs=3, seed=1)
    assert ds.steps_per_epoch == 2  # the smaller domain: 9 // 4
    batches = [(a.numpy(), b.numpy()) for a, b in ds]
    assert len(batches) == 6
    for a, b in batches:
        assert a.shape == b.shape == (4, 8, 8, 1)
        assert a.max() < 100 / 127.5 - 1 and b.min() > 150 / 127.5 - 1
    # Each domain is shuffled by its own key; resuming at epoch 1 gives the same batches.
    resumed = [(a.numpy(), b.numpy()) for a, b in data.load(
        str(tmp_path), split="trainA", unpaired=str(tmp_path), unpaired_split="trainB",
        batch_size=4, epochs=3, seed=1, first_epoch=1)]
    for (a, b), (ra, rb) in zip(batches[2:], resumed):
        np.testing.assert_array_equal(a, ra)
        np.testing.assert_array_equal(b, rb)


def test_unpaired_errors(tmp_path):
    write_images(tmp_path / "grey", 8, mode="L")
    write_images(tmp_path / "rgb", 8, mode="RGB")
    with pytest.raises(data.DataError, match="pass channels=1 or 3"):
        data.load(str(tmp_path / "grey"), unpaired=str(tmp_path / "rgb"), batch_size=4)
    with pytest.raises(data.DataError, match="cannot be combined"):
        data.load(str(tmp_path / "grey"), unpaired=str(tmp_path / "rgb"), pairs="edges", batch_size=4)
    with pytest.raises(data.DataError, match=r"has 8 images, fewer than one batch of 16"):
        data.load(str(tmp_path / "rgb"), unpaired=str(tmp_path / "grey"), channels=1, batch_size=16)
    ds = data.load(str(tmp_path / "rgb"), unpaired=str(tmp_path / "grey"), channels=3, batch_size=4)
    a, b = next(iter(ds))
    assert a.shape == b.shape == (4, 12, 10, 3)


@needs_mnist
def test_with_index_gives_each_image_its_position_in_the_split():
    images, index = next(iter(data.load("mnist", batch_size=32, with_index=True, seed=3)))
    train = data.arrays("mnist", split="train")
    assert index.dtype == tf.int32 and len(set(index.numpy().tolist())) == 32
    assert sorted(index.numpy().tolist()) != list(range(32))  # shuffled, and still each image's own index
    np.testing.assert_array_equal(images.numpy(), train[index.numpy()])
    with pytest.raises(data.DataError, match="cannot be combined with with_labels"):
        data.load("mnist", with_index=True, with_labels=True)


def test_a_style_pair_trains_on_disjoint_halves_and_tests_on_aligned_verses():
    from zoo import text as zoo_text

    source = os.path.join(SHARED, "datasets", "bible_style", "ylt_bbe", "{split}.{style}.txt")
    ylt, bbe = (zoo_text.read_lines(source.format(split="train", style=s)) for s in ("ylt", "bbe"))
    a, b = data.style_lines(source, ["ylt", "bbe"], "train")
    half = len(ylt) // 2
    assert a == ylt[:half] and b == bbe[half:2 * half]  # no verse in both styles
    assert data.style_lines(source, ["ylt", "bbe"], "train", aligned=True) == (ylt, bbe)
    test_a, test_b = data.style_lines(source, ["ylt", "bbe"], "test")
    assert test_a == zoo_text.read_lines(source.format(split="test", style="ylt")) and len(test_b) == len(test_a) == 1835
    batches = data.load_tokens(source, "style_pair", styles=["ylt", "bbe"], length=12, vocabulary_size=500,
                               batch_size=4, epochs=1, steps_per_epoch=2)
    (ids_a, ids_b), = batches.take(1)
    vocab = zoo_text.Vocabulary(data.token_model_kwargs(source, "style_pair", length=12, vocabulary_size=500,
                                                         styles=["ylt", "bbe"])["vocabulary"])
    assert ids_a.shape == ids_b.shape == (4, 12) and batches.steps_per_epoch == 2
    assert set(vocab.decode(ids_a.numpy())) <= {vocab.decode(vocab.encode([x], 12)[0])[0] for x in a}
    with pytest.raises(data.DataError, match="styles must name the two styles"):
        data.style_lines(source, ["ylt"], "train")
    with pytest.raises(data.DataError, match=r"with \{split\} and \{style\}"):
        data.style_lines(source.replace("{style}", "ylt"), ["ylt", "bbe"], "train")


@needs_mnist
def test_arrays_decodes_a_tfds_split_once_and_hands_out_copies(monkeypatch):
    """The second call of a split comes from the process cache (no decoding), equal to
    the first; each caller owns its array; a subset is the same rows of the split."""
    first = data.arrays("mnist", split="test", with_labels=True)
    monkeypatch.setattr(data, "_examples", lambda *a: (_ for _ in ()).throw(AssertionError("decoded again")))
    images, labels = data.arrays("mnist", split="test", with_labels=True)
    np.testing.assert_array_equal(images, first[0])
    np.testing.assert_array_equal(labels, first[1])
    images[:] = 0.0  # a caller's edit stays its own
    np.testing.assert_array_equal(data.arrays("mnist", split="test", with_labels=True)[0], first[0])
    subset, sub_labels = data.arrays("mnist", split="test", with_labels=True, limit=5, seed=1)
    keep = np.random.default_rng(1).permutation(len(first[0]))[:5]
    np.testing.assert_array_equal(subset, first[0][keep])
    np.testing.assert_array_equal(sub_labels, first[1][keep])


def test_arrays_reads_a_folder_afresh_each_call(tmp_path):
    write_images(tmp_path, 3, size=(8, 8))
    assert len(data.arrays(str(tmp_path), split="all", image_size=8)) == 3
    write_images(tmp_path, 5, size=(8, 8), seed=1)  # two more, the first three redrawn
    again = data.arrays(str(tmp_path), split="all", image_size=8)
    assert len(again) == 5
    np.testing.assert_array_equal(again[0], np.asarray(Image.open(tmp_path / "000.png"), np.float32) / 127.5 - 1.0)
