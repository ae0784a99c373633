// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_TrainingCheckpoint_h
#define sinus_TrainingCheckpoint_h

#include <torch/torch.h>

#include <functional>
#include <stdexcept>
#include <string>

namespace sinus
{

/** A checkpoint that cannot be written or read, or was written with other settings; the message
 *  names the file. Each trainer rethrows it as its own error type. */
class TrainingCheckpointError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Writes a LibTorch archive to a temporary sibling and renames it onto `path`; a failed write
 *  (disk full, file-size limit) throws std::runtime_error "PATH: cannot write WHAT: reason",
 *  removes the temporary and leaves an earlier file at `path` as it was. */
void
WriteArchiveAtomically(torch::serialize::OutputArchive & archive, const std::string & path, const std::string & what);

/** Loads a LibTorch archive after RequireBoundedZipArchive: an archive whose entries claim more
 *  than the file holds (a zip bomb) is refused before LibTorch allocates them. */
void
ReadArchiveChecked(torch::serialize::InputArchive & archive, const std::string & path, const torch::Device & device = torch::kCPU);

/** The checkpoint format shared by SinusSeg's trainers: a LibTorch archive with the trainer's
 *  `format` tag, an `identity` string (the settings that give the checkpoint its meaning) and
 *  whatever `write` adds (weights, optimiser state, logs). Written to a temporary sibling and
 *  renamed, so a kill never leaves half a checkpoint and the previous one stays until then. */
void
WriteTrainingCheckpoint(const std::string & path, const std::string & format, const std::string & identity,
                        const std::function<void(torch::serialize::OutputArchive &)> & write);

/** Reads a checkpoint written by WriteTrainingCheckpoint: another format (`what` names the kind of
 *  checkpoint expected) or another identity is an error that names the file, then `read` takes the
 *  rest. Tensors are loaded onto `device`. */
void
ReadTrainingCheckpoint(const std::string & path, const std::string & format, const std::string & what, const std::string & identity,
                       const std::function<void(torch::serialize::InputArchive &)> & read, const torch::Device & device = torch::kCPU);

} // namespace sinus

#endif
