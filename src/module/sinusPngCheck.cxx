// SPDX-License-Identifier: Apache-2.0
#include "sinusPngCheck.h"

#include "sinus/FileUtilities.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace sinus
{
namespace
{
constexpr size_t kSignatureSize = 8;

/** libpng's error handler: keeps the message and returns through the reader's jump buffer. */
void
KeepErrorAndJump(png_structp png, png_const_charp message)
{
  auto * kept = static_cast<std::string *>(png_get_error_ptr(png));
  *kept = message ? message : "unknown libpng error";
  png_longjmp(png, 1);
}

void
IgnoreWarning(png_structp, png_const_charp)
{}

struct FileCloser
{
  void operator()(std::FILE * f) const { std::fclose(f); }
};

/** Reads the header of `file` with libpng; returns libpng's error, empty when the header is valid.
 *  Nothing that needs destruction lives between setjmp and the jump. */
std::string
HeaderError(std::FILE * file)
{
  std::string error;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, KeepErrorAndJump, IgnoreWarning);
  png_infop   info = png ? png_create_info_struct(png) : nullptr;
  if (!info)
  {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return "out of memory";
  }
  if (setjmp(png_jmpbuf(png)) == 0)
  {
    png_init_io(png, file);
    png_read_info(png, info);
    // The transformations ITK's reader asks for, so that their checks run here too.
    png_set_expand(png);
    if (png_get_bit_depth(png, info) > 8)
      png_set_swap(png);
    png_read_update_info(png, info);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return error;
}
} // namespace

bool
HasPngSignature(const std::string & path)
{
  const std::string signature = ReadFileStart(path, kSignatureSize);
  return signature.size() == kSignatureSize && png_sig_cmp(reinterpret_cast<png_const_bytep>(signature.data()), 0, kSignatureSize) == 0;
}

void
RequireReadablePng(const std::string & path)
{
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file)
    throw std::runtime_error(path + ": cannot open the file for reading");
  const std::string error = HeaderError(file.get());
  if (!error.empty())
    throw std::runtime_error(path + ": not a readable PNG (" + error + "); the file is truncated or corrupt");
}

} // namespace sinus
