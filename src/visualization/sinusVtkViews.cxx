// SPDX-License-Identifier: Apache-2.0
#include "sinusVtkViews.h"

#include "sinus/FileUtilities.h"
#include "sinus/SegmentationMetrics.h"
#include "sinus/ViaAnnotations.h"

#include "itkVTKImageExport.h"

#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkFlyingEdges2D.h>
#include <vtkImageActor.h>
#include <vtkImageImport.h>
#include <vtkImageMapToColors.h>
#include <vtkImageMapper3D.h>
#include <vtkImageProperty.h>
#include <vtkInteractorStyleImage.h>
#include <vtkLookupTable.h>
#include <vtkErrorCode.h>
#include <vtkPNGWriter.h>
#include <vtkPen.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkSliderRepresentation2D.h>
#include <vtkSliderWidget.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
template <typename TImage>
vtkSmartPointer<vtkImageData>
Bridge(const TImage * image)
{
  // A copy in pixel coordinates: the views draw in index space (y down is handled by the camera).
  auto copy = TImage::New();
  copy->SetRegions(image->GetLargestPossibleRegion());
  copy->Allocate();
  std::copy_n(image->GetBufferPointer(), image->GetLargestPossibleRegion().GetNumberOfPixels(), copy->GetBufferPointer());
  auto exporter = itk::VTKImageExport<TImage>::New();
  exporter->SetInput(copy);
  auto importer = vtkSmartPointer<vtkImageImport>::New();
  importer->SetUpdateInformationCallback(exporter->GetUpdateInformationCallback());
  importer->SetPipelineModifiedCallback(exporter->GetPipelineModifiedCallback());
  importer->SetWholeExtentCallback(exporter->GetWholeExtentCallback());
  importer->SetSpacingCallback(exporter->GetSpacingCallback());
  importer->SetOriginCallback(exporter->GetOriginCallback());
  importer->SetScalarTypeCallback(exporter->GetScalarTypeCallback());
  importer->SetNumberOfComponentsCallback(exporter->GetNumberOfComponentsCallback());
  importer->SetPropagateUpdateExtentCallback(exporter->GetPropagateUpdateExtentCallback());
  importer->SetUpdateDataCallback(exporter->GetUpdateDataCallback());
  importer->SetDataExtentCallback(exporter->GetDataExtentCallback());
  importer->SetBufferPointerCallback(exporter->GetBufferPointerCallback());
  importer->SetCallbackUserData(exporter->GetCallbackUserData());
  importer->Update();
  auto output = vtkSmartPointer<vtkImageData>::New();
  output->DeepCopy(importer->GetOutput());
  return output;
}

void
RequireDisplay(const std::string & what)
{
  const char * display = std::getenv("DISPLAY");
  if (display == nullptr || *display == '\0')
    throw std::runtime_error(what + " renders with VTK through X and no display is set; on a headless machine run it under "
                                    "xvfb-run (e.g. xvfb-run -a sinusseg ...)");
}

MaskImageType::Pointer
BinaryMask(const std::string & path, const itk::Size<2> & size, const std::string & imagePath)
{
  MaskImageType::Pointer mask = ReadMask(path);
  if (mask->GetLargestPossibleRegion().GetSize() != size)
    throw std::runtime_error(path + ": the mask is " + std::to_string(mask->GetLargestPossibleRegion().GetSize()[0]) + "x" +
                             std::to_string(mask->GetLargestPossibleRegion().GetSize()[1]) + " but " + imagePath + " is " +
                             std::to_string(size[0]) + "x" + std::to_string(size[1]));
  unsigned char * p = mask->GetBufferPointer();
  for (size_t i = 0; i < mask->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    p[i] = p[i] != 0 ? 1 : 0;
  return mask;
}

/** Everything drawn in one view. */
struct Scene
{
  vtkSmartPointer<vtkRenderer>   renderer = vtkSmartPointer<vtkRenderer>::New();
  vtkSmartPointer<vtkImageActor> fill;
  std::vector<vtkSmartPointer<vtkActor>> contours;
  int64_t                        width = 0, height = 0;
  std::string                    metrics;
};

vtkSmartPointer<vtkActor>
Contour(vtkImageData * mask, double r, double g, double b, double z)
{
  auto contour = vtkSmartPointer<vtkFlyingEdges2D>::New();
  contour->SetInputData(mask);
  contour->SetValue(0, 0.5);
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputConnection(contour->GetOutputPort());
  mapper->ScalarVisibilityOff();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(r, g, b);
  actor->GetProperty()->SetLineWidth(2.5);
  actor->GetProperty()->LightingOff();
  actor->SetPosition(0, 0, z); // towards the camera, above the image
  return actor;
}

void
AddText(vtkRenderer * renderer, const std::string & text, int x, int y, double r, double g, double b, int size)
{
  auto actor = vtkSmartPointer<vtkTextActor>::New();
  actor->SetInput(text.c_str());
  actor->SetDisplayPosition(x, y);
  actor->GetTextProperty()->SetColor(r, g, b);
  actor->GetTextProperty()->SetFontSize(size);
  actor->GetTextProperty()->SetBackgroundColor(0, 0, 0);
  actor->GetTextProperty()->SetBackgroundOpacity(0.6);
  actor->GetTextProperty()->BoldOn();
  renderer->AddActor2D(actor);
}

/** The radiograph in grey, its full range mapped to the display. */
vtkSmartPointer<vtkImageActor>
GreyActor(const RadiographImageType * image)
{
  const auto size = image->GetLargestPossibleRegion().GetSize();
  const auto range = std::minmax_element(image->GetBufferPointer(), image->GetBufferPointer() + size[0] * size[1]);
  auto       grey = vtkSmartPointer<vtkImageActor>::New();
  grey->GetMapper()->SetInputData(ToVtkImage(image));
  grey->GetProperty()->SetColorWindow(std::max(1e-6, static_cast<double>(*range.second - *range.first)));
  grey->GetProperty()->SetColorLevel(0.5 * static_cast<double>(*range.second + *range.first));
  grey->GetProperty()->SetInterpolationTypeToNearest();
  return grey;
}

/** The prediction as a translucent fill, for the viewer's opacity control (hidden at first). */
vtkSmartPointer<vtkImageActor>
PredictionFill(vtkImageData * prediction)
{
  auto table = vtkSmartPointer<vtkLookupTable>::New();
  table->SetNumberOfTableValues(2);
  table->SetTableRange(0, 1);
  table->SetTableValue(0, 0, 0, 0, 0);
  table->SetTableValue(1, 0.95, 0.2, 0.2, 1);
  table->Build();
  auto colours = vtkSmartPointer<vtkImageMapToColors>::New();
  colours->SetInputData(prediction);
  colours->SetLookupTable(table);
  colours->SetOutputFormatToRGBA();
  colours->Update();
  auto fill = vtkSmartPointer<vtkImageActor>::New();
  fill->GetMapper()->SetInputData(colours->GetOutput());
  fill->SetOpacity(0.0);
  fill->SetPosition(0, 0, -0.5);
  return fill;
}

/** Dice and HD95 of the shown masks, by the metrics library. */
std::string
MetricsLine(const MaskImageType * prediction, const MaskImageType * reference, const MaskImageType::SpacingType & spacing)
{
  const auto           size = prediction->GetLargestPossibleRegion().GetSize();
  std::vector<uint8_t> p(prediction->GetBufferPointer(), prediction->GetBufferPointer() + size[0] * size[1]);
  std::vector<uint8_t> r(reference->GetBufferPointer(), reference->GetBufferPointer() + size[0] * size[1]);
  const SegmentationMetrics m = ComputeSegmentationMetrics(
    p.data(), r.data(), MaskGrid{ { static_cast<int64_t>(size[0]), static_cast<int64_t>(size[1]) }, { spacing[0], spacing[1] } });
  char text[160];
  // Physical units only when the file carries a spacing (PNG and JPEG do not: spacing 1).
  if (spacing[0] != 1.0 || spacing[1] != 1.0)
    std::snprintf(text, sizeof(text), "Dice %.4f   HD95 %.2f px (%.3g mm)", m.dice, m.hd95.pixels, m.hd95.physical);
  else
    std::snprintf(text, sizeof(text), "Dice %.4f   HD95 %.2f px", m.dice, m.hd95.pixels);
  return text;
}

/** Title, legend and metrics, sized relative to the window. */
void
AddLegend(Scene & scene, const std::string & title, bool withReference, int windowHeight)
{
  const int font = std::max(12, windowHeight / 28);
  int       y = windowHeight - font - 8;
  if (!title.empty())
  {
    AddText(scene.renderer, title, 8, y, 1, 1, 1, font);
    y -= font + 6;
  }
  AddText(scene.renderer, "prediction", 8, y, 0.95, 0.3, 0.3, font);
  if (!withReference)
    return;
  y -= font + 6;
  AddText(scene.renderer, "reference", 8, y, 0.3, 0.95, 0.35, font);
  y -= font + 6;
  AddText(scene.renderer, scene.metrics, 8, y, 1, 1, 1, font);
}

Scene
BuildScene(const OverlayScene & request, int windowHeight)
{
  Scene                              scene;
  const RadiographImageType::Pointer image = ReadRadiograph(request.image);
  const auto                         size = image->GetLargestPossibleRegion().GetSize();
  scene.width = static_cast<int64_t>(size[0]);
  scene.height = static_cast<int64_t>(size[1]);
  const MaskImageType::Pointer prediction = BinaryMask(request.mask, size, request.image);
  MaskImageType::Pointer       reference;
  if (!request.reference.empty())
    reference = BinaryMask(request.reference, size, request.image);

  scene.renderer->AddActor(GreyActor(image));
  const vtkSmartPointer<vtkImageData> predictionImage = ToVtkImage(prediction.GetPointer());
  scene.fill = PredictionFill(predictionImage);
  scene.renderer->AddActor(scene.fill);
  // The prediction is drawn above the reference, so it stays visible where they coincide.
  scene.contours.push_back(Contour(predictionImage, 0.95, 0.15, 0.15, -1.5));
  if (reference)
    scene.contours.push_back(Contour(ToVtkImage(reference.GetPointer()), 0.15, 0.9, 0.2, -1.0));
  for (const auto & c : scene.contours)
    scene.renderer->AddActor(c);
  if (reference)
    scene.metrics = MetricsLine(prediction, reference, image->GetSpacing());
  AddLegend(scene, request.title, reference.IsNotNull(), windowHeight);

  // Pixel frame, y down: the camera looks along +z from below the image with -y up.
  scene.renderer->SetBackground(0, 0, 0);
  vtkCamera * camera = scene.renderer->GetActiveCamera();
  camera->ParallelProjectionOn();
  const double cx = 0.5 * static_cast<double>(scene.width - 1), cy = 0.5 * static_cast<double>(scene.height - 1);
  camera->SetFocalPoint(cx, cy, 0);
  camera->SetPosition(cx, cy, -1000);
  camera->SetViewUp(0, -1, 0);
  camera->SetParallelScale(0.5 * static_cast<double>(scene.height));
  scene.renderer->ResetCameraClippingRange();
  return scene;
}

void
WriteWindowPng(vtkRenderWindow * window, const std::string & output)
{
  auto grab = vtkSmartPointer<vtkWindowToImageFilter>::New();
  grab->SetInput(window);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();
  grab->Update();
  const fs::path temporary = TemporarySibling(output);
  auto           writer = vtkSmartPointer<vtkPNGWriter>::New();
  writer->SetFileName((temporary.string()).c_str());
  writer->SetInputConnection(grab->GetOutputPort());
  writer->Write();
  // VTK reports a failed or short write (disk full, file-size limit) in its error code only.
  if (writer->GetErrorCode() != vtkErrorCode::NoError || !fs::exists(temporary) || fs::file_size(temporary) == 0)
  {
    std::error_code ec;
    fs::remove(temporary, ec);
    throw std::runtime_error(output + ": VTK could not write the PNG (" + vtkErrorCode::GetStringFromErrorCode(writer->GetErrorCode()) + ")");
  }
  CommitFile(temporary, output);
}
} // namespace

vtkSmartPointer<vtkImageData>
ToVtkImage(const RadiographImageType * image)
{
  return Bridge(image);
}

vtkSmartPointer<vtkImageData>
ToVtkImage(const MaskImageType * mask)
{
  return Bridge(mask);
}

std::string
RenderOverlayPng(const OverlayScene & request, const std::string & output, int width)
{
  const itk::Size<2> size = ReadImageSize(request.image);
  const int          w = width > 0 ? width : static_cast<int>(size[0]);
  const int          h = static_cast<int>(std::lround(static_cast<double>(w) * static_cast<double>(size[1]) / static_cast<double>(size[0])));
  RequireDisplay("sinusseg overlay");
  Scene scene = BuildScene(request, h);
  auto  window = vtkSmartPointer<vtkRenderWindow>::New();
  window->SetOffScreenRendering(1);
  window->AddRenderer(scene.renderer);
  window->SetSize(w, h);
  window->Render();
  WriteWindowPng(window, output);
  return scene.metrics;
}

void
ShowInteractiveView(const OverlayScene & request, const std::string & screenshot)
{
  RequireDisplay("sinusseg view");
  const itk::Size<2> size = ReadImageSize(request.image);
  // A window that fits a typical screen, with the image's aspect ratio.
  const double scale = std::min(1.0, std::min(1400.0 / static_cast<double>(size[0]), 900.0 / static_cast<double>(size[1])));
  const int    w = static_cast<int>(std::lround(scale * static_cast<double>(size[0])));
  const int    h = static_cast<int>(std::lround(scale * static_cast<double>(size[1])));
  Scene        scene = BuildScene(request, h);
  scene.fill->SetOpacity(0.35);
  AddText(scene.renderer, "up/down: overlay opacity   c: contours   f: fill   q: quit", 8, 8, 0.9, 0.9, 0.9, std::max(10, h / 40));
  auto window = vtkSmartPointer<vtkRenderWindow>::New();
  window->AddRenderer(scene.renderer);
  window->SetSize(w, h);
  window->SetWindowName(("SinusSeg: " + fs::path(request.image).filename().string()).c_str());
  if (!screenshot.empty())
  {
    window->SetOffScreenRendering(1);
    window->Render();
    WriteWindowPng(window, screenshot);
    return;
  }
  auto interactor = vtkSmartPointer<vtkRenderWindowInteractor>::New();
  interactor->SetRenderWindow(window);
  interactor->SetInteractorStyle(vtkSmartPointer<vtkInteractorStyleImage>::New());

  // Opacity slider along the bottom right.
  auto slider = vtkSmartPointer<vtkSliderRepresentation2D>::New();
  slider->SetMinimumValue(0.0);
  slider->SetMaximumValue(1.0);
  slider->SetValue(scene.fill->GetOpacity());
  slider->SetTitleText("overlay opacity");
  slider->GetPoint1Coordinate()->SetCoordinateSystemToNormalizedDisplay();
  slider->GetPoint1Coordinate()->SetValue(0.6, 0.08);
  slider->GetPoint2Coordinate()->SetCoordinateSystemToNormalizedDisplay();
  slider->GetPoint2Coordinate()->SetValue(0.95, 0.08);
  auto sliderWidget = vtkSmartPointer<vtkSliderWidget>::New();
  sliderWidget->SetInteractor(interactor);
  sliderWidget->SetRepresentation(slider);
  sliderWidget->SetAnimationModeToAnimate();
  sliderWidget->EnabledOn();

  struct State
  {
    Scene *                    scene;
    vtkSliderRepresentation2D * slider;
    vtkRenderWindow *          window;
  } state{ &scene, slider, window };
  auto onSlide = vtkSmartPointer<vtkCallbackCommand>::New();
  onSlide->SetClientData(&state);
  onSlide->SetCallback([](vtkObject *, unsigned long, void * data, void *) {
    auto * s = static_cast<State *>(data);
    s->scene->fill->SetOpacity(s->slider->GetValue());
  });
  sliderWidget->AddObserver(vtkCommand::InteractionEvent, onSlide);
  auto onKey = vtkSmartPointer<vtkCallbackCommand>::New();
  onKey->SetClientData(&state);
  onKey->SetCallback([](vtkObject * caller, unsigned long, void * data, void *) {
    auto *            s = static_cast<State *>(data);
    const std::string key = static_cast<vtkRenderWindowInteractor *>(caller)->GetKeySym();
    double            opacity = s->scene->fill->GetOpacity();
    if (key == "Up" || key == "plus")
      opacity = std::min(1.0, opacity + 0.1);
    else if (key == "Down" || key == "minus")
      opacity = std::max(0.0, opacity - 0.1);
    else if (key == "c")
      for (auto & c : s->scene->contours)
        c->SetVisibility(!c->GetVisibility());
    else if (key == "f")
      s->scene->fill->SetVisibility(!s->scene->fill->GetVisibility());
    s->scene->fill->SetOpacity(opacity);
    s->slider->SetValue(opacity);
    s->window->Render();
  });
  interactor->AddObserver(vtkCommand::KeyPressEvent, onKey);
  window->Render();
  interactor->Initialize();
  interactor->Start();
}

} // namespace sinus
