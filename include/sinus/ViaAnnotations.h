// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_ViaAnnotations_h
#define sinus_ViaAnnotations_h

#include "sinus/Csv.h"
#include "sinus/Json.h"
#include "sinus/PolygonScan.h"
#include "sinus/Raster.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinus
{

/** An error in an annotation file, carrying the file name and 1-based line. */
using AnnotationError = FileLocationError;

/** A VIA 2.x region shape. Polylines are closed into polygons; rectangles become polygons. */
struct ViaShape
{
  enum class Kind
  {
    Polygon,
    Circle,
    Ellipse
  };
  Kind        kind = Kind::Polygon;
  std::string viaName; ///< the shape's "name" in the file: polygon, polyline, rect, circle, ellipse
  Polygon2    polygon; ///< Polygon
  double      cx = 0, cy = 0, rx = 0, ry = 0, theta = 0; ///< Circle (rx == ry) and Ellipse
};

/** Parses `region_shape_attributes`; throws std::runtime_error for an unknown shape or bad fields. */
ViaShape
ParseViaShape(const Json & shapeAttributes);

/** Throws std::runtime_error when any part of the shape lies outside a width x height image. */
void
CheckShapeInsideImage(const ViaShape & shape, int64_t width, int64_t height);

struct ViaRegion
{
  ViaShape shape;
  Json     attributes = Json::object();
  int      line = 0;
};

struct ViaImageAnnotation
{
  std::string            filename;
  int64_t                fileSize = 0;
  Json                   fileAttributes = Json::object();
  std::vector<ViaRegion> regions;
  int                    firstLine = 0;
};

/** Reads a VGG Image Annotator 2.x CSV export. Images keep their order of first appearance. Every
 *  problem (bad quoting, bad JSON, unknown shape, inconsistent region_count/region_id) is an
 *  AnnotationError naming `path` and the line. */
std::vector<ViaImageAnnotation>
ReadViaCsv(const std::string & path);
std::vector<ViaImageAnnotation>
ParseViaCsv(const std::string & text, const std::string & sourceName);

/** Writes a VIA 2.x CSV export (header + one row per region, or one row with region_count 0). */
std::string
FormatViaCsv(const std::vector<ViaImageAnnotation> & images);

/** Rasterises shapes into a width x height 0/`foreground` mask: a pixel is inside when its centre
 *  is (even-odd rule for polygons). Shapes must lie inside the image (CheckShapeInsideImage). */
Raster<uint8_t>
RasterizeShapes(const std::vector<ViaShape> & shapes, int64_t width, int64_t height, uint8_t foreground = 255);

/** Outlines of a binary mask (value != 0) as polygons on pixel corners, one per 4-connected
 *  foreground component, simplified with Douglas-Peucker at `tolerance` pixels (0 keeps every
 *  corner, and then rasterising the polygons gives the mask back exactly unless it has holes).
 *  `holesFilled` receives how many holes the polygons do not represent (VIA polygons have none). */
std::vector<Polygon2>
TraceMaskPolygons(const Raster<uint8_t> & mask, double tolerance, int * holesFilled = nullptr);

/** A polygon shape with the given vertices. */
ViaShape
MakePolygonShape(const Polygon2 & polygon);

} // namespace sinus

#endif
