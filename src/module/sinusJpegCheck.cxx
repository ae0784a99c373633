// SPDX-License-Identifier: Apache-2.0
#include "sinusJpegCheck.h"

#include "sinus/FileUtilities.h"

#include <csetjmp>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include <jpeglib.h>

namespace sinus
{
namespace
{
/** libjpeg's error manager with the jump back to the decoder and the message kept. */
struct JumpingErrorManager
{
  jpeg_error_mgr public_fields; // first: libjpeg sees a jpeg_error_mgr
  std::jmp_buf   jump;
  char           message[JMSG_LENGTH_MAX];
};

void
KeepMessageAndJump(j_common_ptr info)
{
  auto * manager = reinterpret_cast<JumpingErrorManager *>(info->err);
  (*info->err->format_message)(info, manager->message);
  std::longjmp(manager->jump, 1);
}

void
IgnoreMessage(j_common_ptr)
{}

struct FileCloser
{
  void operator()(std::FILE * f) const { std::fclose(f); }
};

/** Decodes every scanline of `file` into `row` (sized for the widest row libjpeg may give);
 *  returns libjpeg's error, empty when the file decodes. Only plain data lives across setjmp. */
std::string
DecodeError(std::FILE * file, unsigned long long largestPixels, std::vector<unsigned char> & row)
{
  jpeg_decompress_struct info;
  JumpingErrorManager    errors;
  info.err = jpeg_std_error(&errors.public_fields);
  errors.public_fields.error_exit = KeepMessageAndJump;
  errors.public_fields.output_message = IgnoreMessage;
  errors.message[0] = '\0';
  if (setjmp(errors.jump) != 0)
  {
    jpeg_destroy_decompress(&info);
    return errors.message[0] ? errors.message : "unknown libjpeg error";
  }
  jpeg_create_decompress(&info);
  jpeg_stdio_src(&info, file);
  jpeg_read_header(&info, TRUE);
  if (static_cast<unsigned long long>(info.image_width) * info.image_height > largestPixels)
  {
    const std::string claim = std::to_string(info.image_width) + "x" + std::to_string(info.image_height);
    jpeg_destroy_decompress(&info);
    return "the header claims " + claim + " pixels, more than this program reads";
  }
  jpeg_start_decompress(&info);
  row.resize(static_cast<size_t>(info.output_width) * static_cast<size_t>(info.output_components));
  JSAMPROW rows[1] = { row.data() };
  while (info.output_scanline < info.output_height)
    jpeg_read_scanlines(&info, rows, 1);
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return "";
}
} // namespace

bool
LooksLikeJpeg(const std::string & path)
{
  const std::string extension = LowerCaseExtension(path);
  return extension == ".jpg" || extension == ".jpeg" || ReadFileStart(path, 2) == "\xFF\xD8";
}

void
RequireReadableJpeg(const std::string & path, unsigned long long largestPixels)
{
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file)
    throw std::runtime_error(path + ": cannot open the file for reading");
  std::vector<unsigned char> row;
  const std::string          error = DecodeError(file.get(), largestPixels, row);
  if (!error.empty())
    throw std::runtime_error(path + ": not a readable JPEG (" + error + "); the file is truncated or corrupt");
}

} // namespace sinus
