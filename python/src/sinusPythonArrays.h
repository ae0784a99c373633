// SPDX-License-Identifier: Apache-2.0
#ifndef sinusPythonArrays_h
#define sinusPythonArrays_h

#include "sinus/Raster.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sinus::python
{
namespace py = pybind11;

/** numpy.asarray of an array-like: a numpy array as it is, a torch tensor through its numpy view
 *  (detached; the same memory for a CPU tensor, a copy for a GPU one), anything else converted by
 *  numpy. `what` names the argument in errors. */
py::array
AsNumpy(py::handle object, const std::string & what);

/** The height and width of a 2-D array; a ValueError naming `what` for any other shape. */
std::pair<int64_t, int64_t>
PlaneShape(const py::array & array, const std::string & what);

/** A 2-D grey image as the network's input values (float64), with whether its samples were 8-bit
 *  (uint8: MedSAM's exact path, no rescaling by default, as for an 8-bit file). */
struct GreyImage
{
  Raster<double> grey;
  bool           eightBit = false;
};
GreyImage
ToGreyImage(py::handle image);

/** A mask of any dimension as one flag per element (non-zero = foreground), row-major: the caller's
 *  own buffer when it is already contiguous uint8 or bool, otherwise a converted copy held here. */
struct MaskFlags
{
  py::array            owner; ///< keeps the buffer alive
  std::vector<int64_t> shape; ///< numpy's order: rows first
  const uint8_t *      Data() const { return static_cast<const uint8_t *>(owner.data()); }
};
MaskFlags
ToMaskFlags(py::handle mask, const std::string & what);

/** A numpy array of shape (height, width) that takes over `raster`'s storage (no copy). */
template <typename T>
py::array_t<T>
ToNumpy(Raster<T> && raster)
{
  auto *     owned = new std::vector<T>(std::move(raster.data));
  py::capsule release(owned, [](void * p) { delete static_cast<std::vector<T> *>(p); });
  return py::array_t<T>({ raster.height, raster.width }, owned->data(), release);
}

} // namespace sinus::python

#endif
