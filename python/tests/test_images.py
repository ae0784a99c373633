# SPDX-License-Identifier: Apache-2.0
"""sinusseg.read_image / write_image: the command line's checked readers and atomic writers."""
import numpy as np
import pytest
from PIL import Image

import sinusseg


def test_an_8bit_radiograph_reads_as_uint8_like_pil(phantoms):
    path = sorted((phantoms / "images").iterdir())[0]
    image = sinusseg.read_image(path)
    assert image.dtype == np.uint8 and image.shape == (128, 256)
    np.testing.assert_array_equal(image, np.asarray(Image.open(path).convert("L")))


def test_a_colour_radiograph_reads_as_pil_grey(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "colour.png")
    np.testing.assert_array_equal(sinusseg.read_image(tmp_path / "colour.png"),
                                  np.asarray(Image.open(tmp_path / "colour.png").convert("L")))


@pytest.mark.parametrize("dtype,name", [(np.uint8, "a.png"), (np.uint16, "a.png"), (np.float32, "a.mha"), (np.float32, "a.nrrd")])
def test_write_then_read_gives_the_same_values(tmp_path, dtype, name):
    values = (np.arange(12 * 17).reshape(12, 17) % 200).astype(dtype)
    sinusseg.write_image(tmp_path / name, values)
    back = sinusseg.read_image(tmp_path / name)
    np.testing.assert_array_equal(back.astype(np.float64), values.astype(np.float64))


def test_a_bool_mask_is_written_as_0_and_255(tmp_path):
    mask = np.zeros((8, 9), bool)
    mask[2:5, 3:7] = True
    sinusseg.write_image(tmp_path / "mask.png", mask)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "mask.png")), mask.astype(np.uint8) * 255)


def test_a_strided_view_is_written_as_it_looks(tmp_path):
    values = np.arange(10 * 20, dtype=np.uint8).reshape(10, 20)
    view = values[::2, ::-3]
    sinusseg.write_image(tmp_path / "view.png", view)
    np.testing.assert_array_equal(sinusseg.read_image(tmp_path / "view.png"), view)


def test_a_float_image_is_read_without_a_copy_of_its_own_kept_alive(tmp_path):
    sinusseg.write_image(tmp_path / "f.mha", np.full((4, 5), 2.5, np.float32))
    image = sinusseg.read_image(tmp_path / "f.mha")
    assert image.dtype == np.float32 and not image.flags.owndata  # ITK's buffer, held by the array
    del image
    assert sinusseg.read_image(tmp_path / "f.mha").sum() == pytest.approx(50.0)


def test_errors_name_the_file_and_leave_nothing(tmp_path):
    with pytest.raises(RuntimeError, match=r"missing\.png: file not found"):
        sinusseg.read_image(tmp_path / "missing.png")
    (tmp_path / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(RuntimeError, match=r"cut\.png: "):
        sinusseg.read_image(tmp_path / "cut.png")
    with pytest.raises(TypeError, match=r"wide\.png: write_image takes .* not float64"):
        sinusseg.write_image(tmp_path / "wide.png", np.zeros((3, 3)))
    with pytest.raises(RuntimeError, match=r"float\.png: "):
        sinusseg.write_image(tmp_path / "float.png", np.zeros((3, 3), np.float32))  # PNG holds no floats
    with pytest.raises(ValueError, match=r"2-D array .* got shape \(2, 3, 4\)"):
        sinusseg.write_image(tmp_path / "cube.mha", np.zeros((2, 3, 4), np.uint8))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.png"]
