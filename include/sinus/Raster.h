// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_Raster_h
#define sinus_Raster_h

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinus
{

/** A dense row-major image of `height x width x channels` values, laid out like a numpy array of
 *  shape (H, W, C). The deep-learning core uses it to stay independent of ITK; the ITK filters copy
 *  between itk::Image and Raster. */
template <typename T>
struct Raster
{
  int64_t height = 0;
  int64_t width = 0;
  int64_t channels = 1;
  std::vector<T> data;

  Raster() = default;
  Raster(int64_t h, int64_t w, int64_t c = 1, T fill = T{})
    : height(h)
    , width(w)
    , channels(c)
    , data(static_cast<size_t>(CheckedSize(h, w, c)), fill)
  {}

  T &       operator()(int64_t y, int64_t x, int64_t c = 0) { return data[Index(y, x, c)]; }
  const T & operator()(int64_t y, int64_t x, int64_t c = 0) const { return data[Index(y, x, c)]; }
  size_t    Index(int64_t y, int64_t x, int64_t c = 0) const
  {
    return static_cast<size_t>((y * width + x) * channels + c);
  }
  int64_t NumberOfPixels() const { return height * width; }
  bool    Empty() const { return data.empty(); }

  static int64_t CheckedSize(int64_t h, int64_t w, int64_t c)
  {
    if (h < 0 || w < 0 || c < 1)
    {
      throw std::invalid_argument("Raster: invalid shape " + std::to_string(h) + "x" + std::to_string(w) + "x" +
                                  std::to_string(c));
    }
    return h * w * c;
  }
};

} // namespace sinus

#endif
