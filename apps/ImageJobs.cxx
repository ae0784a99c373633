// SPDX-License-Identifier: Apache-2.0
// Files-or-folders planning shared by the commands that write one mask per input image.
#include "SinusSegCommand.h"

#include "sinus/FileUtilities.h"

#include <algorithm>
#include <filesystem>

namespace sinusseg
{
namespace fs = std::filesystem;

struct ImageJobPlan::Staging
{
  std::unique_ptr<sinus::StagingDirectory> masks, probabilities;
};

ImageJobPlan::ImageJobPlan(const std::string & input, const std::string & output, const std::string & probability)
  : m_Staging(std::make_unique<Staging>())
{
  m_Folder = fs::is_directory(input);
  if (!m_Folder)
  {
    if (!fs::exists(input))
      throw std::runtime_error(input + ": file not found");
    m_Jobs.push_back({ input, output, probability });
    return;
  }
  std::vector<fs::path> files;
  for (const auto & entry : fs::directory_iterator(input))
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw std::runtime_error(input + ": no images in the folder");
  m_Staging->masks = std::make_unique<sinus::StagingDirectory>(output);
  if (!probability.empty())
    m_Staging->probabilities = std::make_unique<sinus::StagingDirectory>(probability);
  for (const auto & f : files)
  {
    const std::string stem = f.stem().string();
    m_Jobs.push_back({ f.string(), (m_Staging->masks->Path() / (stem + ".png")).string(),
                       m_Staging->probabilities ? (m_Staging->probabilities->Path() / (stem + ".mha")).string() : "" });
  }
}

ImageJobPlan::~ImageJobPlan() = default;

void
ImageJobPlan::Commit()
{
  if (m_Staging->masks)
    m_Staging->masks->Commit();
  if (m_Staging->probabilities)
    m_Staging->probabilities->Commit();
}

void
UpdateNamingInput(itk::ProcessObject * filter, const std::string & input)
{
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw std::runtime_error(input + ": " + std::string(e.GetDescription()));
  }
}

void
WriteMaskAndProbability(const ImageJob & job, bool folder, const std::function<void(const std::string &)> & writeMask,
                        const std::function<void(const std::string &)> & writeProbability)
{
  if (folder)
  {
    writeMask(job.mask);
    if (!job.probability.empty())
      writeProbability(job.probability);
    return;
  }
  const fs::path maskTemporary = sinus::TemporarySibling(job.mask);
  writeMask(maskTemporary.string());
  try
  {
    if (!job.probability.empty())
      writeProbability(job.probability);
  }
  catch (...)
  {
    std::error_code ec;
    fs::remove(maskTemporary, ec);
    throw;
  }
  sinus::CommitFile(maskTemporary, job.mask);
}

} // namespace sinusseg
