// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PretrainedEncoder_h
#define sinus_PretrainedEncoder_h

#include "sinus/Segmenter.h"

#include <optional>
#include <string>
#include <vector>

namespace sinus
{

/** The model file a `sinusseg pretrain` folder holds. */
constexpr const char * kPretrainedModelFileName = "pretrained.sinusseg";

/** A pretraining folder's model file, or the path itself when it is a file; a path that is neither
 *  is std::invalid_argument naming it. */
std::string
PretrainedModelPath(const std::string & fileOrFolder);

/** The architecture and configuration of a `sinusseg pretrain` model file, as "arch {config}";
 *  a file that is not one (no pretraining record) is std::invalid_argument naming it. */
std::string
DescribePretrainedEncoder(const std::string & path);

/** Whether the pretrained encoder in `path` fits any of `networks` (same architecture and
 *  configuration); the file is read once. */
bool
PretrainedEncoderFits(const std::string & path, const std::vector<const SegmenterImpl *> & networks);

/** LoadPretrainedEncoder when the file's network is `segmenter`'s; std::nullopt, and `segmenter`
 *  untouched, when it is another network's. The file is read once. */
std::optional<int64_t>
LoadPretrainedEncoderIfFits(SegmenterImpl & segmenter, const std::string & path);

/** Copies the encoder weights of a `sinusseg pretrain` model file into `segmenter`: only the
 *  parameters its pretraining trained (listed in the file), the rest of `segmenter` untouched.
 *  Another architecture or configuration is std::invalid_argument naming the file and both
 *  networks. Returns the number of tensors copied. */
int64_t
LoadPretrainedEncoder(SegmenterImpl & segmenter, const std::string & path);

} // namespace sinus

#endif
