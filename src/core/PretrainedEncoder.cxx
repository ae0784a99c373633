// SPDX-License-Identifier: Apache-2.0
#include "sinus/PretrainedEncoder.h"

#include "sinus/SegmenterRegistry.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace sinus
{

namespace
{
struct PretrainedFile
{
  Segmenter network{ nullptr };
  Json      record;
};

PretrainedFile
ReadPretrainedFile(const std::string & path)
{
  Json          metadata;
  PretrainedFile file{ LoadSegmenterModel(path, &metadata), Json() };
  if (!metadata.is_object() || !metadata.contains("pretraining") || !metadata["pretraining"].contains("encoder_parameters"))
    throw std::invalid_argument(path + ": not a pretrained encoder (a model file written by `sinusseg pretrain`)");
  file.record = metadata["pretraining"];
  return file;
}

std::string
Describe(const SegmenterImpl & network)
{
  return network.Architecture() + " " + network.ConfigJson().dump();
}
} // namespace

std::string
PretrainedModelPath(const std::string & fileOrFolder)
{
  std::error_code ec;
  if (std::filesystem::is_directory(fileOrFolder, ec))
  {
    const std::filesystem::path file = std::filesystem::path(fileOrFolder) / kPretrainedModelFileName;
    if (!std::filesystem::is_regular_file(file, ec))
      throw std::invalid_argument(fileOrFolder + ": no " + kPretrainedModelFileName + " in this folder (has `sinusseg pretrain` finished?)");
    return file.string();
  }
  if (!std::filesystem::is_regular_file(fileOrFolder, ec))
    throw std::invalid_argument(fileOrFolder + ": no such pretrained model file or pretraining folder");
  return fileOrFolder;
}

std::string
DescribePretrainedEncoder(const std::string & path)
{
  return Describe(*ReadPretrainedFile(path).network);
}

bool
PretrainedEncoderFits(const std::string & path, const std::vector<const SegmenterImpl *> & networks)
{
  const std::string pretrained = DescribePretrainedEncoder(path);
  return std::any_of(networks.begin(), networks.end(), [&](const SegmenterImpl * network) { return Describe(*network) == pretrained; });
}

int64_t
LoadPretrainedEncoder(SegmenterImpl & segmenter, const std::string & path)
{
  if (const std::optional<int64_t> copied = LoadPretrainedEncoderIfFits(segmenter, path))
    return *copied;
  throw std::invalid_argument(path + ": the encoder was pretrained for " + DescribePretrainedEncoder(path) + ", not for this " +
                              Describe(segmenter) + " (pretrain again with the network's architecture and preset)");
}

std::optional<int64_t>
LoadPretrainedEncoderIfFits(SegmenterImpl & segmenter, const std::string & path)
{
  const PretrainedFile file = ReadPretrainedFile(path);
  if (Describe(*file.network) != Describe(segmenter))
    return std::nullopt;
  const auto         source = file.network->named_parameters();
  auto               target = segmenter.named_parameters();
  torch::NoGradGuard noGrad;
  int64_t            copied = 0;
  for (const auto & name : file.record["encoder_parameters"])
  {
    const std::string key = name.get<std::string>();
    if (!source.contains(key) || !target.contains(key))
      throw std::invalid_argument(path + ": its encoder parameter '" + key + "' is not in the network");
    target[key].copy_(source[key]);
    ++copied;
  }
  return copied;
}

} // namespace sinus
