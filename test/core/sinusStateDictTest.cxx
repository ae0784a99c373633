// SPDX-License-Identifier: Apache-2.0
// The restricted state-dict unpickler: reads official checkpoints, refuses everything else.
#include "sinus/FileUtilities.h"
#include "sinus/SamModel.h"
#include "sinus/StateDict.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace sinus;

namespace
{
std::string
ErrorOf(const std::function<void()> & f)
{
  try
  {
    f();
  }
  catch (const CheckpointError & e)
  {
    return e.what();
  }
  return "(no error)";
}

const auto kNoStorage = [](const std::string &) -> std::string { return {}; };

// Pickle helpers (protocol 2 opcodes, as torch.save writes them).
std::string
Global(const std::string & module, const std::string & name)
{
  return "c" + module + "\n" + name + "\n";
}
std::string
Int1(int n) // BININT1
{
  return std::string("K") + static_cast<char>(n);
}
std::string
Unicode(const std::string & s)
{
  const uint32_t n = static_cast<uint32_t>(s.size());
  return std::string("X") + static_cast<char>(n & 0xff) + static_cast<char>((n >> 8) & 0xff) +
         static_cast<char>((n >> 16) & 0xff) + static_cast<char>(n >> 24) + s;
}
} // namespace

TEST(StateDict, ReadsTheOfficialCheckpointFormat)
{
  const std::string path = SharedDirectory() + "/reference/golden/tiny_sam.pth";
  const StateDict   sd = LoadStateDict(path);
  ASSERT_EQ(sd.size(), 174u);
  int64_t elements = 0;
  for (const auto & [name, tensor] : sd)
    elements += tensor.numel();
  EXPECT_EQ(elements, 150044 + 32); // parameters + the PE Gaussian matrix buffer (2 x 16)
  EXPECT_EQ(sd.front().first, "image_encoder.pos_embed");
  EXPECT_EQ(sd.front().second.sizes(), (std::vector<int64_t>{ 1, 8, 8, 48 }));
  EXPECT_EQ(sd.back().first, "mask_decoder.iou_prediction_head.layers.2.bias");
  bool found = false;
  for (const auto & [name, tensor] : sd)
    found = found || name == "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix";
  EXPECT_TRUE(found);
}

TEST(StateDict, RefusesCodeExecution)
{
  // pickle.dumps of os.system('echo pwned') with protocol 2.
  const std::string evil = std::string("\x80\x02", 2) + Global("os", "system") + "q\x00" + Unicode("echo pwned") +
                           std::string("\x85", 1) + "R.";
  const std::string message = ErrorOf([&] { UnpickleStateDict(evil, kNoStorage, "evil.pth"); });
  EXPECT_NE(message.find("evil.pth: refuses the global 'os.system'"), std::string::npos) << message;
  const std::string builtins = std::string("\x80\x02", 2) + Global("builtins", "eval") + ").";
  EXPECT_NE(ErrorOf([&] { UnpickleStateDict(builtins, kNoStorage, "b.pth"); }).find("refuses the global 'builtins.eval'"),
            std::string::npos);
  // An opcode no state dict uses (INST, protocol 0).
  EXPECT_NE(ErrorOf([&] { UnpickleStateDict(std::string("\x80\x02", 2) + "i", kNoStorage, "x.pth"); }).find("unsupported pickle opcode 0x69"),
            std::string::npos);
}

TEST(StateDict, RefusesWhatIsNotADictOfTensors)
{
  const std::string listPickle = std::string("\x80\x02", 2) + "].";
  EXPECT_NE(ErrorOf([&] { UnpickleStateDict(listPickle, kNoStorage, "l.pth"); }).find("does not hold a state dict"),
            std::string::npos);
  const std::string intValue = std::string("\x80\x02", 2) + "}" + Unicode("a") + Int1(5) + "s.";
  EXPECT_NE(ErrorOf([&] { UnpickleStateDict(intValue, kNoStorage, "i.pth"); }).find("not name -> tensor ('a')"), std::string::npos);
  EXPECT_NE(ErrorOf([&] { UnpickleStateDict(std::string("\x80\x02}", 3), kNoStorage, "t.pth"); }).find("truncated pickle"),
            std::string::npos);
}

TEST(StateDict, DetectsTruncatedStorage)
{
  // {'w': _rebuild_tensor_v2(storage(FloatStorage, '0', cpu, 4), 0, (4,), (1,), False, OrderedDict())}
  const std::string pickle = std::string("\x80\x02", 2) + "}" + Unicode("w") + Global("torch._utils", "_rebuild_tensor_v2") +
                             "(" + "(" + Unicode("storage") + Global("torch", "FloatStorage") + Unicode("0") + Unicode("cpu") +
                             Int1(4) + "tQ" + Int1(0) + Int1(4) + std::string("\x85", 1) + Int1(1) +
                             std::string("\x85", 1) + std::string("\x89", 1) + Global("collections", "OrderedDict") + ")R" +
                             "tR" + "s.";
  const auto full = [](const std::string &) { return std::string(16, '\0'); };
  const StateDict sd = UnpickleStateDict(pickle, full, "ok.pth");
  ASSERT_EQ(sd.size(), 1u);
  EXPECT_EQ(sd[0].second.sizes(), (std::vector<int64_t>{ 4 }));
  const auto short_ = [](const std::string &) { return std::string(12, '\0'); };
  EXPECT_NE(ErrorOf([&] { UnpickleStateDict(pickle, short_, "short.pth"); }).find("short.pth: storage data/0 holds 12 bytes, expected 4 x 4"),
            std::string::npos);
}

TEST(StateDict, MissingNotZipAndTruncatedFiles)
{
  const std::string dir = ScratchDirectory("statedict");
  EXPECT_NE(ErrorOf([&] { LoadStateDict(dir + "/absent.pth"); }).find("absent.pth: checkpoint not found"), std::string::npos);
  WriteFileAtomically(dir + "/text.pth", "not a checkpoint");
  EXPECT_NE(ErrorOf([&] { LoadStateDict(dir + "/text.pth"); }).find("text.pth: not a PyTorch zip checkpoint"), std::string::npos);
  const std::string original = ReadTextFile(SharedDirectory() + "/reference/golden/tiny_sam.pth");
  WriteFileAtomically(dir + "/half.pth", original.substr(0, original.size() / 2));
  EXPECT_NE(ErrorOf([&] { LoadStateDict(dir + "/half.pth"); }).find("half.pth:"), std::string::npos);
  sinus::RemoveTree(dir);
}

TEST(StateDict, AdoptionTakesTheLoadedTensorsOverAndChecksLikeStrictLoading)
{
  // A model loaded from a file keeps one copy of its weights: the file's tensors become the
  // module's parameters; a view into a larger storage is copied instead (it may be shared).
  torch::manual_seed(5);
  torch::nn::Linear   layer(4, 3);
  const torch::Tensor weight = torch::randn({ 3, 4 });
  const torch::Tensor storage = torch::randn({ 10 });
  const torch::Tensor bias = storage.narrow(0, 2, 3);
  AdoptStateDictStrict(*layer, [&] { return StateDict{ { "weight", weight }, { "bias", bias } }; }, "layer.pth");
  EXPECT_EQ(layer->weight.data_ptr(), weight.data_ptr());
  EXPECT_TRUE(torch::equal(layer->bias, bias));
  EXPECT_NE(layer->bias.data_ptr(), bias.data_ptr());
  EXPECT_TRUE(layer->weight.requires_grad() && layer->weight.is_leaf());
  layer(torch::ones({ 2, 4 })).sum().backward();
  EXPECT_TRUE(torch::equal(layer->weight.grad(), torch::full({ 3, 4 }, 2.0f)));
  EXPECT_EQ(ModelStateDict(*layer).size(), 2u);

  // The same check as strict loading, naming every problem and the file.
  torch::nn::Linear other(4, 3);
  const std::string error = ErrorOf([&] {
    AdoptStateDictStrict(*other, [&] { return StateDict{ { "weight", torch::zeros({ 4, 4 }) }, { "scale", torch::zeros({ 1 }) } }; },
                         "other.pth");
  });
  EXPECT_NE(error.find("other.pth: checkpoint does not match"), std::string::npos) << error;
  EXPECT_NE(error.find("missing keys (1):\n    bias"), std::string::npos) << error;
  EXPECT_NE(error.find("unexpected keys (1):\n    scale"), std::string::npos) << error;
  EXPECT_NE(error.find("weight (checkpoint [4, 4], model [3, 4])"), std::string::npos) << error;
}
