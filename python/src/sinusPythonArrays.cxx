// SPDX-License-Identifier: Apache-2.0
#include "sinusPythonArrays.h"

#include <cstring>

namespace sinus::python
{

py::array
AsNumpy(py::handle object, const std::string & what)
{
  if (object.is_none())
    throw py::value_error(what + " is None; an array (numpy, torch tensor, nested lists) is expected");
  py::object value = py::reinterpret_borrow<py::object>(object);
  // A torch tensor without importing torch: anything with detach() and numpy() is treated as one.
  if (py::hasattr(value, "detach") && py::hasattr(value, "numpy") && py::hasattr(value, "cpu"))
    value = value.attr("detach")().attr("cpu")().attr("numpy")();
  return py::module_::import("numpy").attr("asarray")(value);
}

std::pair<int64_t, int64_t>
PlaneShape(const py::array & array, const std::string & what)
{
  if (array.ndim() != 2)
  {
    std::string shape = "(";
    for (py::ssize_t d = 0; d < array.ndim(); ++d)
      shape += (d ? ", " : "") + std::to_string(array.shape(d));
    throw py::value_error(what + " must be a 2-D array (height, width); got shape " + shape + (array.ndim() == 1 ? ",)" : ")") +
                          (array.ndim() == 3 ? " (a colour image: sinusseg.read_image gives radiographs as grey)" : ""));
  }
  return { array.shape(0), array.shape(1) };
}

GreyImage
ToGreyImage(py::handle image)
{
  const py::array array = AsNumpy(image, "image");
  const auto [height, width] = PlaneShape(array, "image");
  const char kind = array.dtype().kind();
  if (kind != 'u' && kind != 'i' && kind != 'f' && kind != 'b')
    throw py::value_error("image has dtype " + array.dtype().attr("name").cast<std::string>() + "; numbers are expected");
  GreyImage result{ Raster<double>(height, width), array.dtype().is(py::dtype::of<uint8_t>()) };
  // The one conversion the network needs: any dtype and any strides into float64 rows.
  const auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(array);
  std::memcpy(result.grey.data.data(), values.data(), result.grey.data.size() * sizeof(double));
  return result;
}

MaskFlags
ToMaskFlags(py::handle mask, const std::string & what)
{
  py::array array = AsNumpy(mask, what);
  MaskFlags flags;
  for (py::ssize_t d = 0; d < array.ndim(); ++d)
    flags.shape.push_back(array.shape(d));
  const bool contiguous = (array.flags() & py::array::c_style) != 0;
  if (contiguous && (array.dtype().is(py::dtype::of<uint8_t>()) || array.dtype().is(py::dtype::of<bool>())))
    flags.owner = array; // read in place: numpy's bool is one byte, 0 or 1
  else
    flags.owner = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(array.attr("__ne__")(0));
  return flags;
}

} // namespace sinus::python
