// SPDX-License-Identifier: Apache-2.0
// Files-or-folders planning shared by the commands that write one mask per input image.
#include "SinusSegCommand.h"

#include "sinus/FileUtilities.h"
#include "sinus/RankShare.h"

#include <algorithm>
#include <filesystem>

namespace sinusseg
{
namespace fs = std::filesystem;

struct ImageJobPlan::Staging
{
  std::unique_ptr<sinus::StagingDirectory> masks, probabilities;
};

ImageJobPlan::ImageJobPlan(const std::string & input, const std::string & output, const std::string & probability, ProcessShare share)
  : m_Staging(std::make_unique<Staging>())
{
  m_Folder = fs::is_directory(input);
  if (!m_Folder)
  {
    if (!fs::exists(input))
      throw std::runtime_error(input + ": file not found");
    if (share.worldSize > 1)
      throw std::runtime_error(input + ": one image cannot be divided among " + std::to_string(share.worldSize) +
                               " processes; give a folder, or start the command without a launcher");
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
  const sinus::IndexRange mine = sinus::RankShare(static_cast<int64_t>(files.size()), share.rank, share.worldSize);
  m_Files.assign(files.begin() + mine.begin, files.begin() + mine.end);
  if (share.rank != 0)
    return; // its jobs are planned when it learns rank 0's staging folders
  m_Staging->masks = std::make_unique<sinus::StagingDirectory>(output);
  if (!probability.empty())
    m_Staging->probabilities = std::make_unique<sinus::StagingDirectory>(probability);
  PlanJobs(m_Staging->masks->Path(), m_Staging->probabilities ? m_Staging->probabilities->Path() : fs::path());
}

ImageJobPlan::~ImageJobPlan() = default;

void
ImageJobPlan::PlanJobs(const fs::path & masks, const fs::path & probabilities)
{
  m_Jobs.clear();
  for (const auto & f : m_Files)
  {
    const std::string stem = f.stem().string();
    m_Jobs.push_back({ f.string(), (masks / (stem + ".png")).string(), probabilities.empty() ? "" : (probabilities / (stem + ".mha")).string() });
  }
}

std::pair<std::string, std::string>
ImageJobPlan::StagingFolders() const
{
  return { m_Staging->masks ? m_Staging->masks->Path().string() : "",
           m_Staging->probabilities ? m_Staging->probabilities->Path().string() : "" };
}

void
ImageJobPlan::ShareStaging(const std::string & masks, const std::string & probabilities)
{
  if (m_Folder && !m_Staging->masks)
    PlanJobs(masks, probabilities);
}

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
  try
  {
    writeMask(maskTemporary.string());
    if (!job.probability.empty())
      writeProbability(job.probability);
  }
  catch (const std::exception & e)
  {
    std::error_code ec;
    fs::remove(maskTemporary, ec);
    // The user knows the mask by its own name, not by the temporary one it was written under.
    std::string message = e.what();
    for (size_t at; (at = message.find(maskTemporary.string())) != std::string::npos;)
      message.replace(at, maskTemporary.string().size(), job.mask);
    throw std::runtime_error(message);
  }
  sinus::CommitFile(maskTemporary, job.mask);
}

} // namespace sinusseg
