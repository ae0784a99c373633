// SPDX-License-Identifier: Apache-2.0
#include "sinus/ViaAnnotations.h"

#include <gtest/gtest.h>

#include <random>

using namespace sinus;

namespace
{
std::string
ExpectAnnotationError(const std::string & csv)
{
  try
  {
    ParseViaCsv(csv, "labels.csv");
  }
  catch (const AnnotationError & e)
  {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << csv;
  return {};
}

const std::string kHeader = "filename,file_size,file_attributes,region_count,region_id,region_shape_attributes,region_attributes\n";
} // namespace

TEST(Csv, HandlesQuotesEscapesAndLineEnds)
{
  const auto records = ParseCsv("a,\"b,c\",\"d\"\"e\"\r\n\nx,,\"multi\nline\"\n", "t.csv");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{ "a", "b,c", "d\"e" }));
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{ "x", "", "multi\nline" }));
  EXPECT_EQ(records[1].line, 3);
}

TEST(Csv, ReportsBadQuotingWithLine)
{
  EXPECT_THROW(ParseCsv("a,b\nc,\"unterminated\n", "t.csv"), AnnotationError);
  try
  {
    ParseCsv("a,b\nc,d\"e\n", "t.csv");
    FAIL();
  }
  catch (const AnnotationError & e)
  {
    EXPECT_NE(std::string(e.what()).find("t.csv:2:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ParseCsv("a,\"b\"x\n", "t.csv"), AnnotationError);
}

TEST(Via, ParsesEveryShape)
{
  const std::string csv =
    kHeader +
    "a.png,10,\"{}\",5,0,\"{\"\"name\"\":\"\"polygon\"\",\"\"all_points_x\"\":[1,9,9],\"\"all_points_y\"\":[1,1,9]}\",\"{\"\"label\"\":\"\"sinus\"\"}\"\n"
    "a.png,10,\"{}\",5,1,\"{\"\"name\"\":\"\"polyline\"\",\"\"all_points_x\"\":[1,2,3],\"\"all_points_y\"\":[5,6,5]}\",\"{}\"\n"
    "a.png,10,\"{}\",5,2,\"{\"\"name\"\":\"\"rect\"\",\"\"x\"\":2,\"\"y\"\":3,\"\"width\"\":4,\"\"height\"\":5}\",\"{}\"\n"
    "a.png,10,\"{}\",5,3,\"{\"\"name\"\":\"\"circle\"\",\"\"cx\"\":5,\"\"cy\"\":5,\"\"r\"\":2.5}\",\"{}\"\n"
    "a.png,10,\"{}\",5,4,\"{\"\"name\"\":\"\"ellipse\"\",\"\"cx\"\":5,\"\"cy\"\":5,\"\"rx\"\":3,\"\"ry\"\":1,\"\"theta\"\":0.5}\",\"{}\"\n"
    "b.png,20,\"{}\",0,0,\"{}\",\"{}\"\n";
  const auto images = ParseViaCsv(csv, "labels.csv");
  ASSERT_EQ(images.size(), 2u);
  ASSERT_EQ(images[0].regions.size(), 5u);
  EXPECT_EQ(images[0].regions[0].attributes.at("label").get<std::string>(), "sinus");
  EXPECT_EQ(images[0].regions[1].shape.kind, ViaShape::Kind::Polygon);
  EXPECT_EQ(images[0].regions[2].shape.polygon.size(), 4u);
  EXPECT_EQ(images[0].regions[3].shape.kind, ViaShape::Kind::Circle);
  EXPECT_DOUBLE_EQ(images[0].regions[4].shape.theta, 0.5);
  EXPECT_EQ(images[0].regions[4].line, 6);
  EXPECT_TRUE(images[1].regions.empty());
  // Written back and read again, the annotations are the same.
  const auto again = ParseViaCsv(FormatViaCsv(images), "again.csv");
  ASSERT_EQ(again.size(), 2u);
  for (size_t r = 0; r < 5; ++r)
  {
    const auto & a = images[0].regions[r].shape;
    const auto & b = again[0].regions[r].shape;
    EXPECT_EQ(a.kind, b.kind);
    ASSERT_EQ(a.polygon.size(), b.polygon.size());
    for (size_t k = 0; k < a.polygon.size(); ++k)
    {
      EXPECT_EQ(a.polygon[k].x, b.polygon[k].x);
      EXPECT_EQ(a.polygon[k].y, b.polygon[k].y);
    }
    EXPECT_EQ(a.rx, b.rx);
    EXPECT_EQ(a.theta, b.theta);
  }
}

TEST(Via, MalformedInputNamesFileLineAndProblem)
{
  const std::string polygon = "\"{\"\"name\"\":\"\"polygon\"\",\"\"all_points_x\"\":[1,2,3],\"\"all_points_y\"\":[1,2,1]}\"";
  struct Case
  {
    std::string csv;
    std::string expected;
  };
  const std::vector<Case> cases = {
    { kHeader + "a.png,1,\"{}\",1,0,\"{\"\"name\"\":\"\"polygon\"\"\",\"{}\"\n", "labels.csv:2: invalid JSON" },
    { kHeader + "a.png,1,\"{}\",1,0,\"{\"\"name\"\":\"\"point\"\",\"\"cx\"\":1,\"\"cy\"\":1}\",\"{}\"\n",
      "labels.csv:2: unknown or area-less region shape \"point\"" },
    { kHeader + "a.png,1,\"{}\",1,0,\"{\"\"name\"\":\"\"polygon\"\",\"\"all_points_x\"\":[1,2],\"\"all_points_y\"\":[1,2]}\",\"{}\"\n",
      "labels.csv:2: polygon has 2 points" },
    { kHeader + "a.png,1,\"{}\",2,0," + polygon + ",\"{}\"\n", "declares region_count 2 but lists 1 regions" },
    { kHeader + "a.png,1,\"{}\",2,1," + polygon + ",\"{}\"\n", "labels.csv:2: region_id 1 out of sequence" },
    { kHeader + "a.png,x,\"{}\",1,0," + polygon + ",\"{}\"\n", "labels.csv:2: file_size must be an integer" },
    { kHeader + "a.png,1,\"{}\",1,0," + polygon + "\n", "labels.csv:2: has 6 fields" },
    { "name,size\na.png,1\n", "labels.csv:1: header lacks the VIA 2.x column \"filename\"" },
    { kHeader + "a.png,1,\"{}\",1,0,\"{\"\"name\"\":\"\"rect\"\",\"\"x\"\":1,\"\"y\"\":1,\"\"width\"\":-3,\"\"height\"\":2}\",\"{}\"\n",
      "labels.csv:2: rect has a non-positive width or height" },
    { kHeader + "a.png,1,\"{}\",1,0,\"unterminated\n", "labels.csv:2: unterminated quoted field" },
  };
  for (const Case & c : cases)
  {
    const std::string message = ExpectAnnotationError(c.csv);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in: " << message;
  }
}

TEST(Via, ShapesOutsideTheImageAreErrors)
{
  EXPECT_THROW(CheckShapeInsideImage(MakePolygonShape({ { 0, 0 }, { 10.5, 0 }, { 5, 5 } }), 10, 10), std::runtime_error);
  EXPECT_NO_THROW(CheckShapeInsideImage(MakePolygonShape({ { 0, 0 }, { 10, 0 }, { 10, 10 } }), 10, 10));
  ViaShape circle;
  circle.kind = ViaShape::Kind::Circle;
  circle.viaName = "circle";
  circle.cx = 5;
  circle.cy = 5;
  circle.rx = circle.ry = 6;
  EXPECT_THROW(CheckShapeInsideImage(circle, 10, 10), std::runtime_error);
  EXPECT_THROW(RasterizeShapes({ circle }, 10, 10), std::runtime_error);
}

TEST(Via, RasterisesAtPixelCentres)
{
  // Rect x=2,y=3,w=4,h=5 covers exactly columns 2..5 and rows 3..7.
  ViaShape rect = MakePolygonShape({ { 2, 3 }, { 6, 3 }, { 6, 8 }, { 2, 8 } });
  const Raster<uint8_t> mask = RasterizeShapes({ rect }, 10, 10, 7);
  int count = 0;
  for (int64_t y = 0; y < 10; ++y)
    for (int64_t x = 0; x < 10; ++x)
    {
      const bool inside = x >= 2 && x <= 5 && y >= 3 && y <= 7;
      EXPECT_EQ(mask(y, x), inside ? 7 : 0) << x << "," << y;
      count += mask(y, x) != 0;
    }
  EXPECT_EQ(count, 20);
  // A circle of radius 20 covers close to pi r^2 pixel centres.
  ViaShape circle;
  circle.kind = ViaShape::Kind::Circle;
  circle.cx = circle.cy = 25;
  circle.rx = circle.ry = 20;
  const Raster<uint8_t> disc = RasterizeShapes({ circle }, 50, 50);
  int64_t               area = 0;
  for (uint8_t v : disc.data)
    area += v != 0;
  EXPECT_NEAR(static_cast<double>(area), 3.14159265 * 400, 20.0);
}

TEST(Via, TracedPolygonsReproduceMasksExactly)
{
  // Random blobs, including diagonal contacts and image-edge contact; tolerance 0 keeps every corner.
  std::mt19937 generator(7);
  for (int trial = 0; trial < 20; ++trial)
  {
    Raster<uint8_t> mask(40, 60, 1, 0);
    for (int k = 0; k < 12; ++k)
    {
      const int cx = static_cast<int>(generator() % 60), cy = static_cast<int>(generator() % 40);
      const int r = 1 + static_cast<int>(generator() % 6);
      for (int y = std::max(0, cy - r); y < std::min(40, cy + r); ++y)
        for (int x = std::max(0, cx - r); x < std::min(60, cx + r); ++x)
          if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
            mask(y, x) = 255;
    }
    mask(0, 0) = 255; // diagonal contact with (1,1)
    mask(1, 1) = 255;
    int holes = -1;
    const auto polygons = TraceMaskPolygons(mask, 0.0, &holes);
    std::vector<ViaShape> shapes;
    for (const auto & p : polygons)
      shapes.push_back(MakePolygonShape(p));
    const Raster<uint8_t> back = RasterizeShapes(shapes, 60, 40);
    if (holes == 0)
    {
      EXPECT_EQ(back.data, mask.data) << "trial " << trial;
    }
    else
    {
      // Holes are filled: the result contains the mask.
      for (size_t i = 0; i < mask.data.size(); ++i)
        ASSERT_TRUE(mask.data[i] == 0 || back.data[i] != 0);
    }
  }
}

TEST(Via, CountsHolesThatPolygonsCannotHold)
{
  Raster<uint8_t> ring(10, 10, 1, 0);
  for (int y = 2; y < 8; ++y)
    for (int x = 2; x < 8; ++x)
      ring(y, x) = (y == 2 || y == 7 || x == 2 || x == 7) ? 1 : 0;
  int        holes = 0;
  const auto polygons = TraceMaskPolygons(ring, 0.0, &holes);
  EXPECT_EQ(polygons.size(), 1u);
  EXPECT_EQ(holes, 1);
  EXPECT_EQ(polygons[0].size(), 4u); // the outer square's corners only
}

TEST(Via, SimplificationKeepsShapeWithinTolerance)
{
  Raster<uint8_t> disc(200, 200, 1, 0);
  for (int y = 0; y < 200; ++y)
    for (int x = 0; x < 200; ++x)
      if ((x - 100.0 + 0.5) * (x - 100.0 + 0.5) + (y - 100.0 + 0.5) * (y - 100.0 + 0.5) <= 80.0 * 80.0)
        disc(y, x) = 1;
  const auto exact = TraceMaskPolygons(disc, 0.0);
  const auto simple = TraceMaskPolygons(disc, 0.75);
  ASSERT_EQ(simple.size(), 1u);
  EXPECT_LT(simple[0].size(), exact[0].size() / 2);
  const Raster<uint8_t> back = RasterizeShapes({ MakePolygonShape(simple[0]) }, 200, 200);
  int64_t               same = 0, inA = 0, inB = 0;
  for (size_t i = 0; i < disc.data.size(); ++i)
  {
    same += disc.data[i] && back.data[i];
    inA += disc.data[i] != 0;
    inB += back.data[i] != 0;
  }
  EXPECT_GE(2.0 * same / (inA + inB), 0.995);
}
