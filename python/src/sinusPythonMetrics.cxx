// SPDX-License-Identifier: Apache-2.0
// sinusseg.metrics: Dice, recall, precision and boundary distances of two masks, as `sinusseg
// evaluate` scores files.
#include "sinusPythonArrays.h"
#include "sinusPythonBindings.h"

#include "sinus/SegmentationMetrics.h"

#include <cmath>

namespace sinus::python
{
namespace
{
/** ToMaskFlags of a mask the metrics take: 1 to 3 dimensions. */
MaskFlags
ToScoredMask(py::handle mask, const std::string & what)
{
  MaskFlags flags = ToMaskFlags(mask, what);
  if (flags.shape.empty() || flags.shape.size() > 3)
    throw py::value_error(what + " must be a 1-, 2- or 3-D array; got " + std::to_string(flags.shape.size()) + " dimensions");
  return flags;
}

py::dict
Metrics(py::handle prediction, py::handle reference, py::handle spacingObject, double percentile)
{
  const MaskFlags p = ToScoredMask(prediction, "prediction"), r = ToScoredMask(reference, "reference");
  if (p.shape != r.shape)
    throw py::value_error("prediction and reference differ in shape");
  // numpy's axis order (rows first) is the reverse of the grid's (x fastest).
  MaskGrid grid;
  grid.size.assign(p.shape.rbegin(), p.shape.rend());
  grid.spacing.assign(grid.size.size(), 1.0);
  if (!spacingObject.is_none())
  {
    const auto spacing = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(AsNumpy(spacingObject, "spacing"));
    if (!spacing || spacing.ndim() != 1 || static_cast<size_t>(spacing.shape(0)) != grid.size.size())
      throw py::value_error("spacing must hold one positive size per axis, in the arrays' axis order");
    for (size_t a = 0; a < grid.size.size(); ++a)
    {
      const double s = spacing.data()[grid.size.size() - 1 - a];
      if (!(s > 0) || !std::isfinite(s))
        throw py::value_error("spacing must hold one positive size per axis, in the arrays' axis order");
      grid.spacing[a] = s;
    }
  }
  if (!(percentile >= 0 && percentile <= 100))
    throw py::value_error("percentile must lie in [0, 100]");
  const uint8_t * pd = p.Data();
  const uint8_t * rd = r.Data();
  SegmentationMetrics directed, pooled;
  {
    py::gil_scoped_release released;
    directed = ComputeSegmentationMetrics(pd, rd, grid, HD95Mode::Directed, percentile);
    pooled = ComputeSegmentationMetrics(pd, rd, grid, HD95Mode::Pooled, percentile);
  }
  py::dict d;
  d["dice"] = directed.dice;
  d["recall"] = directed.recall;
  d["precision"] = directed.precision;
  d["hd95_directed"] = directed.hd95.physical; // max of the two directed percentiles (MONAI, Metrics Reloaded)
  d["hd95_pooled"] = pooled.hd95.physical;     // percentile of both directions together (medpy)
  d["hd"] = directed.hd.physical;
  d["assd"] = directed.assd.physical;
  d["true_positives"] = directed.truePositives;
  d["false_positives"] = directed.falsePositives;
  d["false_negatives"] = directed.falseNegatives;
  d["prediction_voxels"] = directed.predictionVoxels;
  d["reference_voxels"] = directed.referenceVoxels;
  return d;
}
} // namespace

void
RegisterMetrics(py::module_ & module)
{
  module.def("metrics", &Metrics, py::arg("prediction"), py::arg("reference"), py::kw_only(), py::arg("spacing") = py::none(),
             py::arg("percentile") = 95.0,
             R"(Scores a predicted mask against a reference (arrays of one shape, 1-3 D; non-zero = foreground).

Returns a dict: dice, recall, precision; hd95_directed (max of the two directed percentiles:
MONAI, Metrics Reloaded) and hd95_pooled (percentile of both directions together: medpy); hd,
assd; voxel counts. Distances are in the units of spacing (one size per axis, in the arrays'
axis order; default 1 = pixels). Both masks empty: Dice 1, distances 0; one empty: Dice 0,
distances nan. The same code as `sinusseg evaluate`.)");
}

} // namespace sinus::python
