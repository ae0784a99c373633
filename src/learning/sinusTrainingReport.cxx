// SPDX-License-Identifier: Apache-2.0
#include "sinusTrainingReport.h"

#include "sinus/FileUtilities.h"
#include "sinusImageIO.h"
#include "sinusReportGraphics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

namespace sinus
{
namespace fs = std::filesystem;


namespace
{
/** One picture per test case: the models' predictions side by side, each with its Dice and HD95. */
void
WriteCaseOverlay(const std::string & name, const std::map<std::string, const EvaluatedCase *> & models, const fs::path & folder)
{
  const EvaluatedCase * any = models.begin()->second;
  if (any->source.empty())
    return;
  const uint8_t          white[3] = { 255, 255, 255 };
  const Raster<uint8_t>  grey = ReadGreyForDisplay(any->source);
  std::vector<RgbRaster> panels;
  for (const std::string model : { "teacher", "student" })
  {
    const auto found = models.find(model);
    if (found == models.end())
      continue;
    RgbRaster panel = OverlayOutlines(grey, found->second->prediction, found->second->reference);
    char      caption[160];
    std::snprintf(caption, sizeof(caption), "%s: dice %.3f hd95 %.1f px", model.c_str(), found->second->metrics.dice,
                  found->second->metrics.hd95.pixels);
    const int scale = static_cast<int>(std::max<int64_t>(2, grey.width / 400));
    DrawText(panel, 10, 10, caption, white, scale);
    DrawText(panel, 10, 10 + 9 * scale, "green: ground truth  red: prediction", white, scale);
    panels.push_back(std::move(panel));
  }
  WriteRgbPng(JoinPanels(panels, 8), (folder / (fs::path(name).stem().string() + ".png")).string());
}

std::string
TestSetSection(const PipelineResult & result)
{
  std::vector<std::pair<std::string, ModelSummary>> rows;
  for (const auto & s : result.summaries)
    rows.emplace_back(s.model, s);
  std::string md = "## Test set\n\n" + FormatSummaryTable(rows, "model", SummaryTableStyle::Markdown);
  if (!result.summaries.empty())
    md += "\nMean ± standard deviation over " + std::to_string(result.summaries.front().dice.count) +
          " test images. HD95: directed 95th percentile of boundary distances, in pixels of the original image; an empty "
          "prediction counts as the image diagonal. Per-case values (also HD95 in physical units and normalised by the image "
          "diagonal): evaluation.csv, evaluation.json.\n";
  md += "\n## Per case\n\n| case | model | Dice | recall | precision | HD95 (px) |\n|---|---|---|---|---|---|\n";
  char line[512];
  for (const auto & c : result.cases)
  {
    std::snprintf(line, sizeof(line), "| %s | %s | %.4f | %.4f | %.4f | %.2f |\n", c.name.c_str(), c.model.c_str(), c.metrics.dice,
                  c.metrics.recall, c.metrics.precision, c.metrics.hd95.pixels);
    md += line;
  }
  return md;
}
} // namespace

void
WriteTrainingReport(const PipelineResult & result, const TrainingReportOptions & options)
{
  const fs::path out = options.outputDirectory;
  fs::create_directories(out / "overlays");
  std::map<std::string, std::map<std::string, const EvaluatedCase *>> byCase;
  std::vector<std::string>                                             order;
  for (const auto & c : result.cases)
  {
    if (!byCase.count(c.name))
      order.push_back(c.name);
    byCase[c.name][c.model] = &c;
  }
  for (const auto & name : order)
    WriteCaseOverlay(name, byCase[name], out / "overlays");
  const bool  curves = WriteLossCurvesPng(out.string(), (out / "loss_curves.png").string());
  std::string md = "# " + options.title + "\n\n";
  if (!options.command.empty())
    md += "Made with:\n\n```\n" + options.command + "\n```\n\n";
  for (const auto & [what, value] : options.facts)
    md += "- " + what + ": " + value + "\n";
  md += (options.facts.empty() ? "" : "\n") + TestSetSection(result);
  if (curves)
    md += "\n## Training curves\n\n![loss curves](loss_curves.png)\n";
  if (!order.empty())
  {
    md += "\n## Overlays (left: teacher, right: student; green: ground truth, red: prediction)\n\n";
    for (const auto & name : order)
      md += "![" + name + "](overlays/" + fs::path(name).stem().string() + ".png)\n\n";
  }
  if (!options.discussion.empty())
    md += "\n" + options.discussion + "\n";
  WriteFileAtomically(out / "report.md", md);
}

} // namespace sinus
