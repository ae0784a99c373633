// SPDX-License-Identifier: Apache-2.0
// Reading radiographs through ITK's IO factories: formats, pixel types, RGB(A), and the 2-D checks.
#include "sinus/FileUtilities.h"
#include "sinusImageIO.h"

#include "itkImageRegionIteratorWithIndex.h"
#include "itkRGBAPixel.h"
#include "itkRGBPixel.h"
#include "itkTestingMacros.h"
#include "itkVectorImage.h"

#include <cmath>
#include <filesystem>
#include <fstream>

namespace
{
template <typename TImage>
typename TImage::Pointer
Gradient(typename TImage::SizeType size, double scale)
{
  auto image = TImage::New();
  image->SetRegions(typename TImage::RegionType(size));
  image->Allocate();
  itk::ImageRegionIteratorWithIndex<TImage> it(image, image->GetLargestPossibleRegion());
  for (it.GoToBegin(); !it.IsAtEnd(); ++it)
  {
    const auto index = it.GetIndex();
    double     v = 0;
    for (unsigned d = 0; d < TImage::ImageDimension; ++d)
      v += (d + 1) * index[d];
    it.Set(static_cast<typename TImage::PixelType>(std::fmod(v * scale, 250.0 * scale)));
  }
  return image;
}

// Reads `path` back and returns the largest |difference| from `expected` (grey values).
template <typename TImage>
double
ReadBackDifference(const TImage * expected, const std::string & path)
{
  const auto read = sinus::ReadRadiograph(path);
  if (read->GetLargestPossibleRegion().GetSize() != expected->GetLargestPossibleRegion().GetSize())
  {
    return 1e30;
  }
  double                                      worst = 0;
  itk::ImageRegionConstIterator<TImage>       e(expected, expected->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<sinus::RadiographImageType> r(read, read->GetLargestPossibleRegion());
  for (e.GoToBegin(), r.GoToBegin(); !e.IsAtEnd(); ++e, ++r)
    worst = std::max(worst, std::fabs(static_cast<double>(e.Get()) - static_cast<double>(r.Get())));
  return worst;
}

bool
ThrowsMentioning(const std::function<void()> & f, const std::string & text)
{
  try
  {
    f();
  }
  catch (const std::exception & e)
  {
    std::cout << "  expected error: " << e.what() << std::endl;
    return std::string(e.what()).find(text) != std::string::npos;
  }
  std::cerr << "  no error (expected one mentioning '" << text << "')" << std::endl;
  return false;
}
} // namespace

int
sinusImageIOTest(int argc, char * argv[])
{
  if (argc < 2)
  {
    std::cerr << "Usage: " << itkNameOfTestExecutableMacro(argv) << " tempDir" << std::endl;
    return EXIT_FAILURE;
  }
  const std::string temp = std::string(argv[1]) + "/io";
  sinus::RemoveTree(temp);
  std::filesystem::create_directories(temp);
  int failures = 0;
  const auto check = [&](bool ok, const std::string & what) {
    std::cout << (ok ? "ok   " : "FAIL ") << what << std::endl;
    failures += !ok;
  };

  using U8 = itk::Image<unsigned char, 2>;
  using U16 = itk::Image<unsigned short, 2>;
  using F32 = itk::Image<float, 2>;
  const U8::SizeType size = { { 40, 30 } };

  const auto u8 = Gradient<U8>(size, 1.0);
  for (const std::string ext : { "png", "tif", "bmp", "dcm", "nrrd", "mha", "nii.gz" })
  {
    const std::string path = temp + "/u8." + ext;
    sinus::WriteImage(u8.GetPointer(), path);
    sinus::RadiographInfo info;
    sinus::ReadRadiograph(path, &info);
    check(ReadBackDifference(u8.GetPointer(), path) == 0 && info.eightBit, "8-bit grey " + ext + " (" + info.format + ")");
  }
  sinus::WriteImage(u8.GetPointer(), temp + "/u8.jpg");
  check(ReadBackDifference(u8.GetPointer(), temp + "/u8.jpg") < 40, "8-bit grey jpg (lossy)");

  const auto u16 = Gradient<U16>(size, 200.0);
  for (const std::string ext : { "png", "tif", "dcm", "nrrd", "mha", "nii.gz" })
  {
    const std::string path = temp + "/u16." + ext;
    sinus::WriteImage(u16.GetPointer(), path);
    sinus::RadiographInfo info;
    sinus::ReadRadiograph(path, &info);
    check(ReadBackDifference(u16.GetPointer(), path) == 0 && !info.eightBit, "16-bit grey " + ext);
  }
  const auto f32 = Gradient<F32>(size, 0.37);
  for (const std::string ext : { "tif", "nrrd", "mha", "nii.gz" })
  {
    const std::string path = temp + "/f32." + ext;
    sinus::WriteImage(f32.GetPointer(), path);
    check(ReadBackDifference(f32.GetPointer(), path) < 1e-6, "float grey " + ext);
  }

  // RGB -> luminance; grey RGB stays exactly grey.
  using RGB = itk::Image<itk::RGBPixel<unsigned char>, 2>;
  auto rgb = RGB::New();
  rgb->SetRegions(RGB::RegionType(size));
  rgb->Allocate();
  itk::ImageRegionIteratorWithIndex<RGB> it(rgb, rgb->GetLargestPossibleRegion());
  for (it.GoToBegin(); !it.IsAtEnd(); ++it)
  {
    itk::RGBPixel<unsigned char> p;
    const auto                   i = it.GetIndex();
    p[0] = static_cast<unsigned char>(i[0] * 6);
    p[1] = i[1] < 15 ? p[0] : static_cast<unsigned char>(200);
    p[2] = i[1] < 15 ? p[0] : static_cast<unsigned char>(10);
    it.Set(p);
  }
  for (const std::string ext : { "png", "tif", "bmp" })
  {
    const std::string path = temp + "/rgb." + ext;
    sinus::WriteImage(rgb.GetPointer(), path);
    const auto grey = sinus::ReadRadiograph(path);
    const auto greyRow = grey->GetPixel({ { 7, 3 } });        // R = G = B = 42
    const auto colourRow = grey->GetPixel({ { 10, 20 } });    // (60, 200, 10)
    const float expected = static_cast<float>((60u * 19595u + 200u * 38470u + 10u * 7471u + 0x8000u) >> 16);
    check(greyRow == 42.0f && colourRow == expected, "RGB " + ext + " -> luminance");
  }

  // RGBA: opaque accepted, transparent refused.
  using RGBA = itk::Image<itk::RGBAPixel<unsigned char>, 2>;
  auto rgba = RGBA::New();
  rgba->SetRegions(RGBA::RegionType(size));
  rgba->Allocate();
  itk::RGBAPixel<unsigned char> opaque;
  opaque.Set(90, 90, 90, 255);
  rgba->FillBuffer(opaque);
  sinus::WriteImage(rgba.GetPointer(), temp + "/opaque.png");
  check(sinus::ReadRadiograph(temp + "/opaque.png")->GetPixel({ { 3, 3 } }) == 90.0f, "opaque RGBA accepted");
  itk::RGBAPixel<unsigned char> clear;
  clear.Set(90, 90, 90, 0);
  rgba->SetPixel({ { 5, 6 } }, clear);
  sinus::WriteImage(rgba.GetPointer(), temp + "/transparent.png");
  check(ThrowsMentioning([&] { sinus::ReadRadiograph(temp + "/transparent.png"); }, "transparent.png: RGBA image with transparent pixels (first at x=5, y=6)"),
        "transparent RGBA refused");

  // 3-D volumes and frame stacks are refused; a 3-D file with one slice is a 2-D image.
  using U8x3 = itk::Image<unsigned char, 3>;
  const auto volume = Gradient<U8x3>({ { 40, 30, 3 } }, 1.0);
  sinus::WriteImage(volume.GetPointer(), temp + "/volume.mha");
  check(ThrowsMentioning([&] { sinus::ReadRadiograph(temp + "/volume.mha"); }, "volume.mha: is a 3-D volume or multi-frame file (40x30x3)"),
        "3-D volume refused");
  sinus::WriteImage(volume.GetPointer(), temp + "/frames.tif");
  check(ThrowsMentioning([&] { sinus::ReadRadiograph(temp + "/frames.tif"); }, "multi-frame"), "multi-page TIFF refused");
  check(ThrowsMentioning([&] { sinus::ReadImageSize(temp + "/volume.mha"); }, "volume"), "3-D volume refused by ReadImageSize");
  const auto slab = Gradient<U8x3>({ { 40, 30, 1 } }, 1.0);
  sinus::WriteImage(slab.GetPointer(), temp + "/slab.nrrd");
  check(sinus::ReadRadiograph(temp + "/slab.nrrd")->GetLargestPossibleRegion().GetSize() == size, "single-slice 3-D file read as 2-D");

  // Two components per pixel, missing and corrupt files.
  using Vec = itk::VectorImage<float, 2>;
  auto two = Vec::New();
  two->SetRegions(Vec::RegionType(size));
  two->SetNumberOfComponentsPerPixel(2);
  two->Allocate();
  itk::VariableLengthVector<float> v(2);
  v.Fill(1);
  two->FillBuffer(v);
  sinus::WriteImage(two.GetPointer(), temp + "/two.nrrd");
  check(ThrowsMentioning([&] { sinus::ReadRadiograph(temp + "/two.nrrd"); }, "two.nrrd: has 2 components per pixel"), "2 components refused");
  check(ThrowsMentioning([&] { sinus::ReadRadiograph(temp + "/absent.png"); }, "absent.png: file not found"), "missing file");
  std::ofstream(temp + "/corrupt.png") << "this is not a PNG";
  check(ThrowsMentioning([&] { sinus::ReadRadiograph(temp + "/corrupt.png"); }, "corrupt.png:"), "corrupt file");

  // Masks: integer labels 0..255 only.
  sinus::WriteImage(u16.GetPointer(), temp + "/bigmask.nrrd");
  check(ThrowsMentioning([&] { sinus::ReadMask(temp + "/bigmask.nrrd"); }, "is not an integer label in 0..255"), "mask out of range refused");
  check(sinus::ReadMask(temp + "/u8.png")->GetPixel({ { 3, 2 } }) == 7, "8-bit mask read");
  check(sinus::ReadImageSize(temp + "/u8.png") == size, "size from the header");

  // Writing into a missing folder fails, naming the file, and leaves nothing behind.
  check(ThrowsMentioning([&] { sinus::WriteImage(u8.GetPointer(), temp + "/no/such/dir/x.png"); }, "x.png"), "write error names the file");
  size_t leftovers = 0;
  for (const auto & entry : std::filesystem::directory_iterator(temp))
    leftovers += entry.path().filename().string().rfind(".sinusseg-tmp", 0) == 0;
  check(leftovers == 0, "no temporary files left behind");

  std::cout << (failures ? "FAILED: " + std::to_string(failures) : std::string("Test finished.")) << std::endl;
  return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
