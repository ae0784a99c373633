// SPDX-License-Identifier: Apache-2.0
#include "sinus/ViaAnnotations.h"

#include "sinus/FileUtilities.h"
#include "sinus/IntegerText.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <sstream>

namespace sinus
{

namespace
{

double
RequireNumber(const Json & object, const char * key)
{
  const Json * value = FindJsonMember(object, key);
  if (!value)
  {
    throw std::runtime_error(std::string("shape attribute \"") + key + "\" is missing");
  }
  if (!value->is_number())
  {
    throw std::runtime_error(std::string("shape attribute \"") + key + "\" must be a number, found " + value->type_name());
  }
  return value->get<double>();
}

std::vector<double>
RequireNumberArray(const Json & object, const char * key)
{
  const Json * value = FindJsonMember(object, key);
  if (!value || !value->is_array())
  {
    throw std::runtime_error(std::string("shape attribute \"") + key + "\" must be an array of numbers");
  }
  std::vector<double> numbers;
  for (const Json & v : value->get_ref<const Json::array_t &>())
  {
    if (!v.is_number())
    {
      throw std::runtime_error(std::string("shape attribute \"") + key + "\" holds a " + v.type_name() +
                               " where a number is expected");
    }
    numbers.push_back(v.get<double>());
  }
  return numbers;
}

/** Whole pixel coordinates as integers (as VIA writes them), others in the shortest form that
 *  reads back exactly. */
std::string
FormatCoordinate(double v)
{
  if (std::floor(v) == v && std::abs(v) < 9.0e15)
    return std::to_string(static_cast<int64_t>(v));
  return Json(v).dump();
}
} // namespace

// ------------------------------------------------------------------------------------------------
// Shapes
// ------------------------------------------------------------------------------------------------
ViaShape
ParseViaShape(const Json & attributes)
{
  if (!attributes.is_object())
  {
    throw std::runtime_error(std::string("region_shape_attributes must be a JSON object, found ") + attributes.type_name());
  }
  const Json * name = FindJsonMember(attributes, "name");
  if (!name || !name->is_string())
  {
    throw std::runtime_error("region_shape_attributes has no shape \"name\"");
  }
  ViaShape shape;
  shape.viaName = name->get<std::string>();
  if (shape.viaName == "polygon" || shape.viaName == "polyline")
  {
    const auto xs = RequireNumberArray(attributes, "all_points_x");
    const auto ys = RequireNumberArray(attributes, "all_points_y");
    if (xs.size() != ys.size())
    {
      throw std::runtime_error(shape.viaName + " has " + std::to_string(xs.size()) + " x but " +
                               std::to_string(ys.size()) + " y coordinates");
    }
    if (xs.size() < 3)
    {
      throw std::runtime_error(shape.viaName + " has " + std::to_string(xs.size()) +
                               " points; at least 3 are needed to enclose an area");
    }
    for (size_t i = 0; i < xs.size(); ++i)
    {
      shape.polygon.push_back({ xs[i], ys[i] });
    }
    return shape;
  }
  if (shape.viaName == "rect")
  {
    const double x = RequireNumber(attributes, "x"), y = RequireNumber(attributes, "y");
    const double w = RequireNumber(attributes, "width"), h = RequireNumber(attributes, "height");
    if (w <= 0 || h <= 0)
    {
      throw std::runtime_error("rect has a non-positive width or height");
    }
    shape.polygon = { { x, y }, { x + w, y }, { x + w, y + h }, { x, y + h } };
    return shape;
  }
  if (shape.viaName == "circle")
  {
    shape.kind = ViaShape::Kind::Circle;
    shape.cx = RequireNumber(attributes, "cx");
    shape.cy = RequireNumber(attributes, "cy");
    shape.rx = shape.ry = RequireNumber(attributes, "r");
    if (shape.rx <= 0)
    {
      throw std::runtime_error("circle has a non-positive radius");
    }
    return shape;
  }
  if (shape.viaName == "ellipse")
  {
    shape.kind = ViaShape::Kind::Ellipse;
    shape.cx = RequireNumber(attributes, "cx");
    shape.cy = RequireNumber(attributes, "cy");
    shape.rx = RequireNumber(attributes, "rx");
    shape.ry = RequireNumber(attributes, "ry");
    shape.theta = attributes.contains("theta") ? RequireNumber(attributes, "theta") : 0.0;
    if (shape.rx <= 0 || shape.ry <= 0)
    {
      throw std::runtime_error("ellipse has a non-positive radius");
    }
    return shape;
  }
  throw std::runtime_error("unknown or area-less region shape \"" + shape.viaName +
                           "\" (supported: polygon, polyline, rect, circle, ellipse)");
}

void
CheckShapeInsideImage(const ViaShape & shape, int64_t width, int64_t height)
{
  const double W = static_cast<double>(width), H = static_cast<double>(height);
  const auto   check = [&](double x, double y, const std::string & what) {
    if (!(x >= 0 && x <= W && y >= 0 && y <= H))
    {
      std::ostringstream s;
      s << what << " (" << x << ", " << y << ") lies outside the " << width << "x" << height << " image";
      throw std::runtime_error(s.str());
    }
  };
  if (shape.kind == ViaShape::Kind::Polygon)
  {
    for (const Point2 & p : shape.polygon)
    {
      check(p.x, p.y, shape.viaName + " point");
    }
    return;
  }
  // Extent of a rotated ellipse along x and y.
  const double c = std::cos(shape.theta), s = std::sin(shape.theta);
  const double ex = std::sqrt(shape.rx * shape.rx * c * c + shape.ry * shape.ry * s * s);
  const double ey = std::sqrt(shape.rx * shape.rx * s * s + shape.ry * shape.ry * c * c);
  check(shape.cx - ex, shape.cy - ey, shape.viaName + " extent corner");
  check(shape.cx + ex, shape.cy + ey, shape.viaName + " extent corner");
}

ViaShape
MakePolygonShape(const Polygon2 & polygon)
{
  ViaShape shape;
  shape.kind = ViaShape::Kind::Polygon;
  shape.viaName = "polygon";
  shape.polygon = polygon;
  return shape;
}

// ------------------------------------------------------------------------------------------------
// VIA CSV
// ------------------------------------------------------------------------------------------------
namespace
{
const std::array<const char *, 7> kViaColumns = { "filename",      "file_size", "file_attributes",
                                                  "region_count",  "region_id", "region_shape_attributes",
                                                  "region_attributes" };

int64_t
ParseInteger(const std::string & text, const std::string & column)
{
  const std::optional<int64_t> value = ParseWholeInteger(text);
  if (!value)
    throw std::runtime_error(column + " must be an integer, found \"" + text + "\"");
  return *value;
}

Json
ParseJsonField(const std::string & text, const std::string & column)
{
  try
  {
    return ParseJson(text);
  }
  catch (const JsonParseError & e)
  {
    throw std::runtime_error("invalid JSON in " + column + " (" + e.what() + "): " + text);
  }
}
} // namespace

namespace
{
/** Column index by name from the header row; every VIA 2.x column must be there. */
std::map<std::string, size_t>
ViaColumns(const CsvRecord & header, const std::string & sourceName)
{
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < header.fields.size(); ++i)
  {
    std::string name = header.fields[i];
    if (i == 0 && name.size() >= 3 && name.compare(0, 3, "\xEF\xBB\xBF") == 0)
      name = name.substr(3); // UTF-8 byte-order mark written by some spreadsheet programs
    column[name] = i;
  }
  for (const char * required : kViaColumns)
    if (!column.count(required))
      throw AnnotationError(sourceName, header.line,
                            std::string("header lacks the VIA 2.x column \"") + required +
                              "\" (expected: filename,file_size,file_attributes,region_count,region_id,"
                              "region_shape_attributes,region_attributes)");
  return column;
}

/** The images of a VIA CSV as they are read, row by row, with the region counts they declare. */
class ViaCsvReader
{
public:
  explicit ViaCsvReader(std::map<std::string, size_t> column)
    : m_Column(std::move(column))
  {}
  void                            AddRow(const CsvRecord & record, size_t headerFields);
  std::vector<ViaImageAnnotation> Finish(const std::string & sourceName);

private:
  ViaImageAnnotation & ImageOf(const std::string & filename, const CsvRecord & record, int64_t fileSize, const Json & fileAttributes,
                               int64_t regionCount);

  std::map<std::string, size_t>   m_Column;
  std::vector<ViaImageAnnotation> m_Images;
  std::map<std::string, size_t>   m_IndexOf;
  std::map<std::string, int64_t>  m_DeclaredCount;
};

ViaImageAnnotation &
ViaCsvReader::ImageOf(const std::string & filename, const CsvRecord & record, int64_t fileSize, const Json & fileAttributes,
                      int64_t regionCount)
{
  auto found = m_IndexOf.find(filename);
  if (found == m_IndexOf.end())
  {
    ViaImageAnnotation image;
    image.filename = filename;
    image.fileSize = fileSize;
    image.fileAttributes = fileAttributes;
    image.firstLine = record.line;
    found = m_IndexOf.emplace(filename, m_Images.size()).first;
    m_Images.push_back(std::move(image));
    m_DeclaredCount[filename] = regionCount;
  }
  ViaImageAnnotation & image = m_Images[found->second];
  if (m_DeclaredCount[filename] != regionCount)
    throw std::runtime_error("region_count " + std::to_string(regionCount) + " disagrees with " + std::to_string(m_DeclaredCount[filename]) +
                             " on line " + std::to_string(image.firstLine));
  return image;
}

void
ViaCsvReader::AddRow(const CsvRecord & record, size_t headerFields)
{
  if (record.fields.size() != headerFields)
    throw std::runtime_error("has " + std::to_string(record.fields.size()) + " fields; the header has " + std::to_string(headerFields));
  const auto          field = [&](const char * name) -> const std::string & { return record.fields[m_Column[name]]; };
  const std::string & filename = field("filename");
  if (filename.empty())
    throw std::runtime_error("empty filename");
  const int64_t fileSize = ParseInteger(field("file_size"), "file_size");
  const int64_t regionCount = ParseInteger(field("region_count"), "region_count");
  const int64_t regionId = ParseInteger(field("region_id"), "region_id");
  const Json    fileAttributes = ParseJsonField(field("file_attributes"), "file_attributes");
  const Json    shapeAttributes = ParseJsonField(field("region_shape_attributes"), "region_shape_attributes");
  const Json    regionAttributes = ParseJsonField(field("region_attributes"), "region_attributes");
  ViaImageAnnotation & image = ImageOf(filename, record, fileSize, fileAttributes, regionCount);
  if (regionCount == 0)
  {
    if (!shapeAttributes.is_object() || !shapeAttributes.empty())
      throw std::runtime_error("region_count is 0 but region_shape_attributes is not {}");
    return;
  }
  if (regionId != static_cast<int64_t>(image.regions.size()))
    throw std::runtime_error("region_id " + std::to_string(regionId) + " out of sequence (expected " + std::to_string(image.regions.size()) +
                             ")");
  if (regionId >= regionCount)
    throw std::runtime_error("region_id " + std::to_string(regionId) + " is not below region_count " + std::to_string(regionCount));
  ViaRegion region;
  region.shape = ParseViaShape(shapeAttributes);
  region.attributes = regionAttributes;
  region.line = record.line;
  image.regions.push_back(std::move(region));
}

std::vector<ViaImageAnnotation>
ViaCsvReader::Finish(const std::string & sourceName)
{
  for (const ViaImageAnnotation & image : m_Images)
    if (static_cast<int64_t>(image.regions.size()) != m_DeclaredCount[image.filename])
      throw AnnotationError(sourceName, image.firstLine,
                            image.filename + " declares region_count " + std::to_string(m_DeclaredCount[image.filename]) + " but lists " +
                              std::to_string(image.regions.size()) + " regions");
  return std::move(m_Images);
}
} // namespace

std::vector<ViaImageAnnotation>
ParseViaCsv(const std::string & text, const std::string & sourceName)
{
  const std::vector<CsvRecord> records = ParseCsv(text, sourceName);
  if (records.empty())
    throw AnnotationError(sourceName, 0, "empty file; expected a VIA 2.x CSV export with a header line");
  ViaCsvReader reader(ViaColumns(records[0], sourceName));
  for (size_t r = 1; r < records.size(); ++r)
  {
    try
    {
      reader.AddRow(records[r], records[0].fields.size());
    }
    catch (const AnnotationError &)
    {
      throw;
    }
    catch (const std::exception & e)
    {
      throw AnnotationError(sourceName, records[r].line, e.what());
    }
  }
  return reader.Finish(sourceName);
}

std::vector<ViaImageAnnotation>
ReadViaCsv(const std::string & path)
{
  return ParseViaCsv(ReadTextFile(path), path);
}

std::string
FormatViaCsv(const std::vector<ViaImageAnnotation> & images)
{
  std::string out;
  for (size_t i = 0; i < kViaColumns.size(); ++i)
  {
    out += (i ? "," : "");
    out += kViaColumns[i];
  }
  out += "\n";
  for (const ViaImageAnnotation & image : images)
  {
    const std::string prefix = (image.filename.find_first_of(",\"\n") != std::string::npos ? QuoteCsvField(image.filename)
                                                                                            : image.filename) +
                               "," + std::to_string(image.fileSize) + "," + QuoteCsvField(image.fileAttributes.dump()) + "," +
                               std::to_string(image.regions.size()) + ",";
    if (image.regions.empty())
    {
      out += prefix + "0,\"{}\",\"{}\"\n";
      continue;
    }
    for (size_t r = 0; r < image.regions.size(); ++r)
    {
      const ViaShape & shape = image.regions[r].shape;
      std::string      json;
      if (shape.kind == ViaShape::Kind::Polygon)
      {
        std::string xs, ys;
        for (size_t k = 0; k < shape.polygon.size(); ++k)
        {
          xs += (k ? "," : "") + FormatCoordinate(shape.polygon[k].x);
          ys += (k ? "," : "") + FormatCoordinate(shape.polygon[k].y);
        }
        // Rectangles were read as polygons and are written as such; polylines keep their name.
        json = "{\"name\":\"" + std::string(shape.viaName == "polyline" ? "polyline" : "polygon") +
               "\",\"all_points_x\":[" + xs + "],\"all_points_y\":[" + ys + "]}";
      }
      else if (shape.kind == ViaShape::Kind::Circle)
      {
        json = "{\"name\":\"circle\",\"cx\":" + FormatCoordinate(shape.cx) + ",\"cy\":" + FormatCoordinate(shape.cy) +
               ",\"r\":" + FormatCoordinate(shape.rx) + "}";
      }
      else
      {
        json = "{\"name\":\"ellipse\",\"cx\":" + FormatCoordinate(shape.cx) + ",\"cy\":" + FormatCoordinate(shape.cy) +
               ",\"rx\":" + FormatCoordinate(shape.rx) + ",\"ry\":" + FormatCoordinate(shape.ry) +
               ",\"theta\":" + FormatCoordinate(shape.theta) + "}";
      }
      out += prefix + std::to_string(r) + "," + QuoteCsvField(json) + "," + QuoteCsvField(image.regions[r].attributes.dump()) +
             "\n";
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Rasterisation
// ------------------------------------------------------------------------------------------------
namespace
{
void
FillEllipse(const ViaShape & shape, Raster<uint8_t> & mask, uint8_t foreground)
{
  const double c = std::cos(shape.theta), s = std::sin(shape.theta);
  const double extent = std::max(shape.rx, shape.ry);
  const int64_t y0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(shape.cy - extent - 1)));
  const int64_t y1 = std::min<int64_t>(mask.height - 1, static_cast<int64_t>(std::ceil(shape.cy + extent + 1)));
  const int64_t x0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(shape.cx - extent - 1)));
  const int64_t x1 = std::min<int64_t>(mask.width - 1, static_cast<int64_t>(std::ceil(shape.cx + extent + 1)));
  for (int64_t row = y0; row <= y1; ++row)
  {
    for (int64_t col = x0; col <= x1; ++col)
    {
      const double dx = static_cast<double>(col) + 0.5 - shape.cx;
      const double dy = static_cast<double>(row) + 0.5 - shape.cy;
      const double u = (dx * c + dy * s) / shape.rx;
      const double v = (-dx * s + dy * c) / shape.ry;
      if (u * u + v * v <= 1.0)
      {
        mask(row, col) = foreground;
      }
    }
  }
}

double
SignedArea(const Polygon2 & polygon)
{
  double sum = 0;
  for (size_t i = 0; i < polygon.size(); ++i)
  {
    const Point2 & p = polygon[i];
    const Point2 & q = polygon[(i + 1) % polygon.size()];
    sum += p.x * q.y - q.x * p.y;
  }
  return sum / 2;
}

double
DistanceToSegment(const Point2 & p, const Point2 & a, const Point2 & b)
{
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  double       t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
  t = std::min(1.0, std::max(0.0, t));
  return std::hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

void
DouglasPeucker(const Polygon2 & points, size_t first, size_t last, double tolerance, std::vector<bool> & keep)
{
  if (last <= first + 1)
  {
    return;
  }
  double worst = -1;
  size_t index = first;
  for (size_t i = first + 1; i < last; ++i)
  {
    const double d = DistanceToSegment(points[i], points[first], points[last]);
    if (d > worst)
    {
      worst = d;
      index = i;
    }
  }
  if (worst > tolerance)
  {
    keep[index] = true;
    DouglasPeucker(points, first, index, tolerance, keep);
    DouglasPeucker(points, index, last, tolerance, keep);
  }
}

Polygon2
SimplifyClosedPolygon(const Polygon2 & polygon, double tolerance)
{
  if (tolerance <= 0 || polygon.size() <= 4)
  {
    return polygon;
  }
  // Anchor at vertex 0 and the vertex farthest from it; simplify the two chains between them.
  size_t far = 0;
  double farDistance = -1;
  for (size_t i = 1; i < polygon.size(); ++i)
  {
    const double d = std::hypot(polygon[i].x - polygon[0].x, polygon[i].y - polygon[0].y);
    if (d > farDistance)
    {
      farDistance = d;
      far = i;
    }
  }
  Polygon2 closed = polygon;
  closed.push_back(polygon[0]);
  std::vector<bool> keep(closed.size(), false);
  keep[0] = keep[far] = keep[closed.size() - 1] = true;
  DouglasPeucker(closed, 0, far, tolerance, keep);
  DouglasPeucker(closed, far, closed.size() - 1, tolerance, keep);
  Polygon2 out;
  for (size_t i = 0; i + 1 < closed.size(); ++i)
  {
    if (keep[i])
    {
      out.push_back(closed[i]);
    }
  }
  return out.size() >= 3 ? out : polygon;
}
} // namespace

Raster<uint8_t>
RasterizeShapes(const std::vector<ViaShape> & shapes, int64_t width, int64_t height, uint8_t foreground)
{
  Raster<uint8_t> mask(height, width, 1, 0);
  for (const ViaShape & shape : shapes)
  {
    CheckShapeInsideImage(shape, width, height);
    if (shape.kind == ViaShape::Kind::Polygon)
    {
      ScanPolygon(shape.polygon, width, height, [&](int64_t row, int64_t first, int64_t end) {
        std::fill(mask.data.begin() + static_cast<std::ptrdiff_t>(mask.Index(row, first)),
                  mask.data.begin() + static_cast<std::ptrdiff_t>(mask.Index(row, end - 1)) + 1, foreground);
      });
    }
    else
    {
      FillEllipse(shape, mask, foreground);
    }
  }
  return mask;
}

namespace
{
/** Directed crack edges between pixels with the foreground on the right (screen coordinates, y
 *  down): outer boundaries run clockwise on screen and holes anticlockwise. Directions: 0 right,
 *  1 down, 2 left, 3 up. A corner has at most two outgoing edges. */
class CrackEdges
{
public:
  explicit CrackEdges(const Raster<uint8_t> & mask);
  int64_t VertexCount() const { return static_cast<int64_t>(m_Out.size()); }
  /** Takes the edge in `slot` of vertex `v` and follows its loop back to the start. */
  Polygon2 FollowLoop(int64_t v, int slot);
  bool     Has(int64_t v, int slot) const { return m_Out[static_cast<size_t>(v)][slot] >= 0; }

private:
  int64_t Vertex(int64_t x, int64_t y) const { return y * (m_W + 1) + x; }
  void    Add(int64_t x, int64_t y, int8_t direction)
  {
    auto & slots = m_Out[static_cast<size_t>(Vertex(x, y))];
    slots[slots[0] < 0 ? 0 : 1] = direction;
  }
  /** The slot of the edge leaving `slots` that turns right if it can, else straight, else left. */
  static int NextSlot(const std::array<int8_t, 2> & slots, int8_t direction);

  int64_t                            m_W, m_H;
  std::vector<std::array<int8_t, 2>> m_Out;
};

CrackEdges::CrackEdges(const Raster<uint8_t> & mask)
  : m_W(mask.width)
  , m_H(mask.height)
  , m_Out(static_cast<size_t>((mask.width + 1) * (mask.height + 1)), { -1, -1 })
{
  const auto fg = [&](int64_t x, int64_t y) { return x >= 0 && y >= 0 && x < m_W && y < m_H && mask(y, x) != 0; };
  for (int64_t y = 0; y < m_H; ++y)
    for (int64_t x = 0; x < m_W; ++x)
    {
      if (!fg(x, y))
        continue;
      if (!fg(x, y - 1))
        Add(x, y, 0);
      if (!fg(x + 1, y))
        Add(x + 1, y, 1);
      if (!fg(x, y + 1))
        Add(x + 1, y + 1, 2);
      if (!fg(x - 1, y))
        Add(x, y + 1, 3);
    }
}

int
CrackEdges::NextSlot(const std::array<int8_t, 2> & slots, int8_t direction)
{
  for (int turn : { 1, 0, 3 })
  {
    const int8_t wanted = static_cast<int8_t>((direction + turn) % 4);
    for (int s = 0; s < 2; ++s)
      if (slots[s] == wanted)
        return s;
  }
  return -1;
}

Polygon2
CrackEdges::FollowLoop(int64_t v, int slot)
{
  static const int dx[4] = { 1, 0, -1, 0 };
  static const int dy[4] = { 0, 1, 0, -1 };
  // Right turns first, so that diagonal neighbours form separate loops.
  Polygon2 loop;
  int64_t  x = v % (m_W + 1), y = v / (m_W + 1);
  int8_t   direction = m_Out[static_cast<size_t>(v)][slot];
  m_Out[static_cast<size_t>(v)][slot] = -1;
  for (int8_t previous = -1;;)
  {
    if (direction != previous)
      loop.push_back({ static_cast<double>(x), static_cast<double>(y) });
    previous = direction;
    x += dx[direction];
    y += dy[direction];
    auto &    slots = m_Out[static_cast<size_t>(Vertex(x, y))];
    const int chosen = NextSlot(slots, direction);
    if (chosen < 0)
      break; // back at the start: its edge is already used
    direction = slots[chosen];
    slots[chosen] = -1;
  }
  return loop;
}
} // namespace

std::vector<Polygon2>
TraceMaskPolygons(const Raster<uint8_t> & mask, double tolerance, int * holesFilled)
{
  CrackEdges            edges(mask);
  std::vector<Polygon2> polygons;
  int                   holes = 0;
  for (int64_t v = 0; v < edges.VertexCount(); ++v)
    for (int slot = 0; slot < 2; ++slot)
    {
      if (!edges.Has(v, slot))
        continue;
      // Raster order reaches every loop first at its top-left vertex, which is always a corner, so
      // the loop holds corners only.
      const Polygon2 loop = edges.FollowLoop(v, slot);
      if (SignedArea(loop) > 0)
        polygons.push_back(SimplifyClosedPolygon(loop, tolerance));
      else
        ++holes;
    }
  if (holesFilled)
    *holesFilled = holes;
  return polygons;
}

} // namespace sinus
