// SPDX-License-Identifier: Apache-2.0
// sinusseg.import_via: a VGG Image Annotator 2.x CSV export into one mask per image.
#include "sinusPythonBindings.h"

#include "sinusViaImport.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>

namespace sinus::python
{
namespace
{
py::dict
ImportVia(const std::filesystem::path & csv, const std::filesystem::path & images, const std::filesystem::path & out, int foreground,
          const std::string & regionFilter, const std::optional<std::filesystem::path> & datalist)
{
  ViaImportOptions options;
  options.csvPath = csv.string();
  options.imagesDirectory = images.string();
  options.outputDirectory = out.string();
  options.datalistPath = datalist ? datalist->string() : std::string();
  if (foreground < 1 || foreground > 255)
    throw py::value_error("foreground must lie in 1..255");
  options.foreground = static_cast<uint8_t>(foreground);
  if (!regionFilter.empty())
    SetRegionFilter(options, regionFilter);
  ViaImportSummary summary;
  {
    py::gil_scoped_release released;
    summary = ImportViaAnnotations(options);
  }
  py::dict d;
  d["images"] = summary.images;
  d["regions"] = summary.regions;
  d["regions_filtered_out"] = summary.regionsFilteredOut;
  d["labels_added"] = summary.labelsAdded;
  return d;
}
} // namespace

void
RegisterViaImport(py::module_ & module)
{
  module.def("import_via", &ImportVia, py::arg("csv"), py::arg("images"), py::arg("out"), py::kw_only(), py::arg("foreground") = 255,
             py::arg("region_filter") = "", py::arg("datalist") = py::none(),
             R"(Rasterises every region of a VIA 2.x CSV export into one PNG mask per image in `out` (which must
not exist, or be empty), as `sinusseg import-via`. region_filter "KEY=VALUE" keeps only regions
whose region_attributes KEY equals VALUE. With `datalist`, the masks become the labels of those
unlabelled training images in it (rewritten; a validation or test image, or one labelled before, is
refused). Every problem is reported together, with file and line, and no output folder is left.
Returns counts of images, regions, regions filtered out and labels added.)");
}

} // namespace sinus::python
