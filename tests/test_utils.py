"""tile_raster_images against hand-made expectations."""
import numpy
import pytest

from utils import scale_to_unit_interval, tile_raster_images


def test_scale_to_unit_interval():
    a = numpy.array([[2., 4.], [6., 10.]])
    out = scale_to_unit_interval(a)
    numpy.testing.assert_allclose(out, [[0, 0.25], [0.5, 1]], atol=1e-7)
    assert a[0, 0] == 2.  # input untouched
    assert not scale_to_unit_interval(numpy.full(4, 3.)).any()  # constant


def test_shape_for_the_tutorial_filters():
    X = numpy.random.RandomState(0).rand(500, 784)
    out = tile_raster_images(X, (28, 28), (10, 10), (1, 1))
    assert out.shape == (289, 289) and out.dtype == numpy.uint8


def test_layout_spacing_and_scaling():
    # three 2x3 images with known values, in a 2x2 grid with spacing (1, 2)
    X = numpy.stack([numpy.arange(6.) + 10 * k for k in range(3)])
    out = tile_raster_images(X, (2, 3), (2, 2), (1, 2))
    assert out.shape == (2 * 2 + 1, 3 * 2 + 2)
    ramp = numpy.floor(numpy.arange(6.) / (5 + 1e-8) * 255).reshape(2, 3)
    numpy.testing.assert_array_equal(out[0:2, 0:3], ramp)   # tile 0
    numpy.testing.assert_array_equal(out[0:2, 5:8], ramp)   # tile 1
    numpy.testing.assert_array_equal(out[3:5, 0:3], ramp)   # tile 2
    assert not out[2, :].any() and not out[:, 3:5].any()    # spacing
    assert not out[3:5, 5:8].any()                          # no 4th image


def test_rows_fill_the_grid_row_by_row():
    # image k is dark but for one bright pixel at k: every tile differs
    # from the others, so the order of the tiles is visible
    X = numpy.eye(6)
    out = tile_raster_images(X, (2, 3), (2, 3), (1, 1))
    for k in range(6):
        row, col = divmod(k, 3)          # row by row, as the tutorial
        tile = out[row * 3:row * 3 + 2, col * 4:col * 4 + 3]
        expected = numpy.zeros(6, dtype=numpy.uint8)
        expected[k] = numpy.floor(255 / (1 + 1e-8))   # scaled, truncated
        numpy.testing.assert_array_equal(tile.ravel(), expected,
                                         err_msg='tile %d' % k)


def test_without_scaling_or_pixel_values():
    X = numpy.array([[0.0, 0.5, 1.0, 0.25]])
    out = tile_raster_images(X, (2, 2), (1, 1),
                             scale_rows_to_unit_interval=False,
                             output_pixel_vals=False)
    assert out.dtype == X.dtype
    numpy.testing.assert_array_equal(out, [[0.0, 0.5], [1.0, 0.25]])
    pix = tile_raster_images(X, (2, 2), (1, 1),
                             scale_rows_to_unit_interval=False)
    numpy.testing.assert_array_equal(pix, [[0, 127], [255, 63]])


def test_channel_tuple():
    X = numpy.random.RandomState(1).rand(4, 6)
    out = tile_raster_images((X, None, X, None), (2, 3), (2, 2), (1, 1))
    assert out.shape == (5, 7, 4) and out.dtype == numpy.uint8
    grey = tile_raster_images(X, (2, 3), (2, 2), (1, 1))
    numpy.testing.assert_array_equal(out[..., 0], grey)
    numpy.testing.assert_array_equal(out[..., 2], grey)
    assert not out[..., 1].any()                 # missing colour: 0
    assert (out[..., 3] == 255).all()            # missing alpha: opaque
    floats = tile_raster_images((None, None, None, None), (2, 3), (1, 1),
                                output_pixel_vals=False)
    assert (floats[..., 3] == 1).all() and not floats[..., :3].any()


@pytest.mark.parametrize('X, kwargs', [
    (numpy.zeros((2, 5)), {}),                        # rows are not 2x3
    ((numpy.zeros((2, 6)),) * 3, {}),                 # 3 channels
    (numpy.zeros((2, 6)), {'tile_spacing': (1,)}),
])
def test_bad_arguments(X, kwargs):
    with pytest.raises(ValueError):
        tile_raster_images(X, (2, 3), (1, 2), **kwargs)
