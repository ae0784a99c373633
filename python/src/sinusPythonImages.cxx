// SPDX-License-Identifier: Apache-2.0
// sinusseg.read_image / write_image: radiographs and masks through the same checked readers and
// atomic writers as the command line.
#include "sinusPythonArrays.h"
#include "sinusPythonBindings.h"

#include "sinusImageIO.h"

#include <pybind11/stl/filesystem.h>

#include <filesystem>

namespace sinus::python
{
namespace
{
py::array
ReadImage(const std::filesystem::path & file)
{
  const std::string path = file.string();
  RadiographInfo               info;
  RadiographImageType::Pointer image;
  {
    py::gil_scoped_release released;
    image = ReadRadiograph(path, &info);
  }
  const auto          size = image->GetLargestPossibleRegion().GetSize();
  const py::ssize_t   height = static_cast<py::ssize_t>(size[1]), width = static_cast<py::ssize_t>(size[0]);
  const float *       pixels = image->GetBufferPointer();
  if (info.eightBit)
  {
    // 8-bit files hold whole grey values 0..255 (colour ones converted as PIL's convert('L')):
    // exact as uint8, which Model.predict takes unrescaled, as `sinusseg predict` takes the file.
    py::array_t<uint8_t> grey({ height, width });
    uint8_t *            out = grey.mutable_data();
    for (py::ssize_t i = 0; i < height * width; ++i)
      out[i] = static_cast<uint8_t>(pixels[i]);
    return std::move(grey);
  }
  // The ITK image's own buffer (x fastest: numpy's row-major (height, width)), kept alive by the array.
  auto *      owner = new RadiographImageType::Pointer(image);
  py::capsule release(owner, [](void * p) { delete static_cast<RadiographImageType::Pointer *>(p); });
  return py::array_t<float>({ height, width }, pixels, release);
}

/** Writes a 2-D array of `TPixel` through ITK without copying it (the array must be C-contiguous). */
template <typename TPixel>
void
WritePlane(const py::array & array, const std::string & path, bool compress)
{
  using ImageType = itk::Image<TPixel, 2>;
  const auto values = py::array_t<TPixel, py::array::c_style | py::array::forcecast>::ensure(array);
  const auto [height, width] = PlaneShape(values, "image");
  if (height == 0 || width == 0)
    throw py::value_error("image is empty (" + std::to_string(height) + "x" + std::to_string(width) + "); nothing to write to " + path);
  auto                          image = ImageType::New();
  typename ImageType::SizeType  size{ { static_cast<itk::SizeValueType>(width), static_cast<itk::SizeValueType>(height) } };
  image->SetRegions(size);
  image->GetPixelContainer()->SetImportPointer(const_cast<TPixel *>(values.data()), static_cast<itk::SizeValueType>(width * height), false);
  py::gil_scoped_release released;
  sinus::WriteImage(image.GetPointer(), path, compress); // qualified: ADL would find itk::WriteImage, which writes in place
}

void
WriteImageFromArray(const std::filesystem::path & file, py::handle object, bool compress)
{
  const std::string path = file.string();
  const py::array array = AsNumpy(object, "image");
  const py::dtype dtype = array.dtype();
  if (dtype.is(py::dtype::of<bool>()))
  {
    // A mask: 0/255, as `sinusseg predict` writes masks.
    const py::array scaled = array.attr("astype")(py::dtype::of<uint8_t>()).attr("__mul__")(255);
    WritePlane<uint8_t>(scaled, path, compress);
  }
  else if (dtype.is(py::dtype::of<uint8_t>()))
    WritePlane<uint8_t>(array, path, compress);
  else if (dtype.is(py::dtype::of<uint16_t>()))
    WritePlane<uint16_t>(array, path, compress);
  else if (dtype.is(py::dtype::of<float>()))
    WritePlane<float>(array, path, compress);
  else
    throw py::type_error(path + ": write_image takes bool (a mask, written 0/255), uint8, uint16 or float32 arrays, not " +
                         dtype.attr("name").cast<std::string>() + "; convert it (astype) to the type the file should hold");
}
} // namespace

void
RegisterImages(py::module_ & module)
{
  module.def("read_image", &ReadImage, py::arg("path"),
             R"(Reads a radiograph (PNG, JPEG, TIFF, BMP, MetaImage, NRRD, NIfTI) as a grey 2-D array with the
checks of `sinusseg predict`: uint8 for 8-bit files (colour converted as PIL's convert('L')),
float32 otherwise. Errors name the file.)");
  module.def("write_image", &WriteImageFromArray, py::arg("path"), py::arg("image"), py::arg("compress") = true,
             R"(Writes a 2-D array to an image file chosen by its extension, atomically (read back before it
takes the name; nothing is left on failure). bool arrays are masks, written 0/255; uint8, uint16
and float32 are written as they are.)");
}

} // namespace sinus::python
