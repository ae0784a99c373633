// SPDX-License-Identifier: Apache-2.0
// sinusseg.load_model and Model.predict: a trained model on images held in memory, as
// `sinusseg predict` runs it on files.
#include "sinusPythonArrays.h"
#include "sinusPythonBindings.h"

#include "sinus/FileUtilities.h"
#include "sinus/MaskPostprocessing.h"
#include "sinus/MedSAMPredictor.h"
#include "sinus/ModelFile.h"
#include "sinus/SegmenterInference.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TestTimeMirror.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <mutex>
#include <optional>

namespace sinus::python
{
namespace
{
/** A loaded network with what its model file says about using it. */
class Model
{
public:
  Model(const std::string & path, const std::optional<std::string> & config)
    : m_Path(path)
  {
    const bool official = LowerCaseExtension(path) == ".pth";
    if (!official && config)
      throw py::value_error("config is for an official .pth checkpoint; " + path + " is a SinusSeg model file that holds its architecture");
    m_Network = official ? AsSegmenter(LoadSamFromCheckpoint(path, config)) : LoadSegmenterModel(path, &m_Metadata);
    m_Postprocessing = MaskPostprocessing::FromModelMetadata(m_Metadata, path).value_or(MaskPostprocessing{});
    m_TestTimeMirror = ReadTestTimeMirror(m_Metadata, path);
    m_Sam = std::dynamic_pointer_cast<SamImpl>(m_Network.ptr());
  }

  py::object Predict(py::handle image, py::handle boxes, py::handle points, py::handle pointLabels, bool withProbability,
                     const std::string & precisionName, const std::string & rescale, const std::string & postprocessingChoice,
                     const std::string & mirrorChoice);

  const std::string & Path() const { return m_Path; }
  std::string         Architecture() const { return m_Network->Architecture(); }
  bool                TakesPrompts() const { return m_Sam != nullptr; }
  py::object          Postprocessing() const { return ToPython(m_Postprocessing.ToJson().dump()); }
  bool                TestTimeMirror() const { return m_TestTimeMirror; }
  py::object          Metadata() const { return ToPython(m_Metadata.dump()); }

private:
  std::string              m_Path;
  Segmenter                m_Network{ nullptr };
  Json                     m_Metadata = Json::object();
  MaskPostprocessing       m_Postprocessing;
  bool                     m_TestTimeMirror = false;
  std::shared_ptr<SamImpl> m_Sam;
  std::mutex               m_Predicting; ///< one prediction at a time: the GIL is released meanwhile
};

/** One of `allowed`, or a ValueError naming the argument. */
const std::string &
RequireChoice(const std::string & value, const std::string & argument, std::initializer_list<const char *> allowed)
{
  std::string list;
  for (const char * a : allowed)
  {
    if (value == a)
      return value;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  throw py::value_error(argument + " must be one of " + list + ", not '" + value + "'");
}

std::vector<BoxPrompt>
ToBoxes(py::handle boxes)
{
  if (boxes.is_none())
    return {};
  const auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(AsNumpy(boxes, "boxes"));
  if (!values || values.size() % 4 != 0 || values.ndim() > 2 || (values.ndim() == 2 && values.shape(1) != 4))
    throw py::value_error("boxes must be (x0, y0, x1, y1) in pixels, or an array of shape (N, 4) of them");
  std::vector<BoxPrompt> result;
  for (py::ssize_t i = 0; i < values.size(); i += 4)
    result.push_back({ values.data()[i], values.data()[i + 1], values.data()[i + 2], values.data()[i + 3] });
  return result;
}

PointPrompts
ToPoints(py::handle points, py::handle labels)
{
  PointPrompts prompts;
  if (points.is_none())
  {
    if (!labels.is_none())
      throw py::value_error("point_labels without points");
    return prompts;
  }
  const auto xy = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(AsNumpy(points, "points"));
  if (!xy || xy.ndim() != 2 || xy.shape(1) != 2 || xy.shape(0) == 0)
    throw py::value_error("points must be an array of shape (N, 2): x, y in pixels");
  const py::ssize_t count = xy.shape(0);
  std::vector<int64_t> given(static_cast<size_t>(count), 1); // foreground unless told
  if (!labels.is_none())
  {
    const auto l = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(AsNumpy(labels, "point_labels"));
    if (!l || l.ndim() != 1 || l.shape(0) != count)
      throw py::value_error("point_labels must hold one label per point (1 sinus, 0 background)");
    for (py::ssize_t i = 0; i < count; ++i)
    {
      if (l.data()[i] != 0 && l.data()[i] != 1)
        throw py::value_error("point_labels must be 1 (sinus) or 0 (background), got " + std::to_string(l.data()[i]));
      given[static_cast<size_t>(i)] = l.data()[i];
    }
  }
  for (py::ssize_t i = 0; i < count; ++i)
    prompts.points.push_back({ xy.data()[2 * i], xy.data()[2 * i + 1] });
  prompts.labels = given;
  return prompts;
}

py::object
Model::Predict(py::handle image, py::handle boxes, py::handle points, py::handle pointLabels, bool withProbability,
               const std::string & precisionName, const std::string & rescale, const std::string & postprocessingChoice,
               const std::string & mirrorChoice)
{
  RequireChoice(rescale, "rescale", { "auto", "on", "off" });
  RequireChoice(postprocessingChoice, "postprocessing", { "model", "off" });
  RequireChoice(mirrorChoice, "test_time_mirror", { "model", "off" });
  const ComputePrecision       precision = ParseComputePrecision(precisionName);
  GreyImage                    input = ToGreyImage(image);
  const std::vector<BoxPrompt> boxList = ToBoxes(boxes);
  const PointPrompts           pointList = ToPoints(points, pointLabels);
  const MaskPostprocessing     postprocessing = postprocessingChoice == "off" ? MaskPostprocessing{} : m_Postprocessing;
  const bool                   mirror = mirrorChoice == "model" && m_TestTimeMirror;
  const bool                   prompted = !boxList.empty() || !pointList.points.empty();
  // As `sinusseg predict`: a SAM network goes through MedSAM's prompted path when prompted, or when
  // its model file asks for nothing else (plain threshold, no mirroring).
  const bool viaPrompts = m_Sam && (prompted || (postprocessing.Plain() && !mirror));
  if (prompted && !m_Sam)
    throw py::value_error(m_Path + " holds a '" + Architecture() + "' network, which takes no prompts; drop boxes/points");

  Raster<float>   probability;
  Raster<uint8_t> mask;
  {
    py::gil_scoped_release released;
    std::lock_guard<std::mutex> one(m_Predicting);
    try
    {
      MapToMedSAMRange(input.grey, rescale == "on" || (rescale == "auto" && !input.eightBit));
    }
    catch (const std::exception & e)
    {
      throw std::invalid_argument(std::string("image: ") + e.what());
    }
    if (viaPrompts)
    {
      MedSAMPredictor predictor{ Sam(m_Sam) };
      predictor.SetPrecision(precision);
      probability = PredictPromptUnion(predictor, input.grey, boxList, pointList).probability;
      mask = ThresholdProbability(probability, 0.5f, 1);
    }
    else
    {
      probability = PredictProbability(*m_Network, input.grey, mirror, precision);
      mask = ApplyMaskPostprocessing(probability, postprocessing, 1);
    }
  }
  py::object flags = ToNumpy(std::move(mask)).attr("view")(py::dtype::of<bool>());
  if (!withProbability)
    return flags;
  return py::make_tuple(flags, ToNumpy(std::move(probability)));
}
} // namespace

void
RegisterModel(py::module_ & module)
{
  py::class_<Model, std::shared_ptr<Model>>(module, "Model", "A trained network and what its model file says about using it.")
    .def("predict", &Model::Predict, py::arg("image"), py::kw_only(), py::arg("boxes") = py::none(), py::arg("points") = py::none(),
         py::arg("point_labels") = py::none(), py::arg("probability") = false, py::arg("precision") = "auto", py::arg("rescale") = "auto",
         py::arg("postprocessing") = "model", py::arg("test_time_mirror") = "model",
         R"(Segments one grey radiograph (a 2-D numpy array or torch tensor, any numeric dtype).

Returns the mask as a bool array of the image's shape, or (mask, probability) with
probability=True (float32). As `sinusseg predict`: boxes (x0, y0, x1, y1) or an (N, 4) array,
points (N, 2) with point_labels (1 sinus, 0 background) prompt a MedSAM model (several prompts:
their union); precision auto|fp32|bf16; rescale auto (map [min, max] to [0, 255] unless the
array is uint8), on or off; postprocessing and test_time_mirror: model (as the model file says)
or off. The GIL is released while the network runs.)")
    .def_property_readonly("path", &Model::Path)
    .def_property_readonly("architecture", &Model::Architecture)
    .def_property_readonly("takes_prompts", &Model::TakesPrompts, "whether boxes/points are accepted (a MedSAM/SAM network)")
    .def_property_readonly("postprocessing", &Model::Postprocessing, "the mask postprocessing training chose and stored")
    .def_property_readonly("test_time_mirror", &Model::TestTimeMirror, "whether predictions average the image and its mirror image")
    .def_property_readonly("metadata", &Model::Metadata, "the model file's metadata (training settings, validation results)")
    .def("__repr__", [](const Model & m) { return "<sinusseg.Model " + m.Architecture() + " from " + m.Path() + ">"; });

  module.def(
    "load_model",
    [](const std::filesystem::path & path, const std::optional<std::filesystem::path> & config) {
      py::gil_scoped_release released;
      return std::make_shared<Model>(path.string(), config ? std::optional<std::string>(config->string()) : std::nullopt);
    },
    py::arg("path"), py::arg("config") = py::none(),
    R"(Loads a SinusSeg model file (teacher.sinusseg, student.sinusseg, ...) or an official MedSAM/SAM
.pth checkpoint (ViT-B unless config names an architecture JSON), as `sinusseg predict` does.)");
}

} // namespace sinus::python
