// SPDX-License-Identifier: Apache-2.0
#include "sinus/TrainingCheckpoint.h"

#include "sinus/FileUtilities.h"
#include "sinus/ZipDirectory.h"

#include <filesystem>

namespace sinus
{

void
WriteArchiveAtomically(torch::serialize::OutputArchive & archive, const std::string & path, const std::string & what)
{
  const std::filesystem::path temporary = TemporarySibling(path);
  try
  {
    CheckedFileSink file(temporary);
    archive.save_to([&](const void * data, size_t size) { return file.Write(data, size); });
    file.Finish();
  }
  catch (const std::exception & e)
  {
    std::error_code ec;
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error(path + ": cannot write " + what + ": " + std::string(e.what()).substr(0, 200));
  }
  CommitFile(temporary, path);
}

void
ReadArchiveChecked(torch::serialize::InputArchive & archive, const std::string & path, const torch::Device & device)
{
  RequireBoundedZipArchive(path);
  archive.load_from(path, device);
}

void
WriteTrainingCheckpoint(const std::string & path, const std::string & format, const std::string & identity,
                        const std::function<void(torch::serialize::OutputArchive &)> & write)
{
  torch::serialize::OutputArchive archive;
  write(archive);
  archive.write("identity", c10::IValue(identity));
  archive.write("format", c10::IValue(format));
  try
  {
    WriteArchiveAtomically(archive, path, "the checkpoint");
  }
  catch (const std::exception & e)
  {
    throw TrainingCheckpointError(e.what());
  }
}

void
ReadTrainingCheckpoint(const std::string & path, const std::string & format, const std::string & what, const std::string & identity,
                       const std::function<void(torch::serialize::InputArchive &)> & read, const torch::Device & device)
{
  try
  {
    torch::serialize::InputArchive archive;
    ReadArchiveChecked(archive, path, device);
    c10::IValue savedFormat, savedIdentity;
    archive.read("format", savedFormat);
    if (!savedFormat.isString() || savedFormat.toStringRef() != format)
      throw std::runtime_error("not a " + what + " checkpoint");
    archive.read("identity", savedIdentity);
    if (savedIdentity.toStringRef() != identity)
      throw TrainingCheckpointError(path + ": the checkpoint was written with another architecture, data or training settings (" +
                                    savedIdentity.toStringRef().substr(0, 400) + "); remove it or train with the same settings");
    read(archive);
  }
  catch (const TrainingCheckpointError &)
  {
    throw;
  }
  catch (const std::exception & e)
  {
    throw TrainingCheckpointError(path + ": cannot resume from the checkpoint (" + std::string(e.what()).substr(0, 200) + ")");
  }
}

} // namespace sinus
