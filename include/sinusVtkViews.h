// SPDX-License-Identifier: Apache-2.0
#ifndef sinusVtkViews_h
#define sinusVtkViews_h

#include "sinusImageIO.h"

#include <vtkImageData.h>
#include <vtkSmartPointer.h>

#include <string>

namespace sinus
{

/** ITK -> VTK without ITK's VTK glue (Debian's ITK has none): itk::VTKImageExport feeding
 *  vtkImageImport, copied into a vtkImageData the caller owns. The image is placed in pixel
 *  coordinates (origin 0, spacing 1), the frame the views draw in. */
vtkSmartPointer<vtkImageData>
ToVtkImage(const RadiographImageType * image);
vtkSmartPointer<vtkImageData>
ToVtkImage(const MaskImageType * mask);

/** What a view shows: a radiograph, a predicted mask and optionally a reference mask (all on the
 *  same grid; a size mismatch is an error naming the files). */
struct OverlayScene
{
  std::string image, mask, reference;
  std::string title; ///< optional line above the legend
};

/** Renders the radiograph with the predicted contour (red), the reference contour (green) when
 *  given, a legend and -- with a reference -- Dice and HD95, offscreen with VTK, to a PNG of the
 *  image's size (or `width` pixels wide). Needs an X display (xvfb-run on a headless machine).
 *  Returns the legend's metrics line ("" without a reference). */
std::string
RenderOverlayPng(const OverlayScene & scene, const std::string & output, int width = 0);

/** The interactive viewer: radiograph, filled mask overlay and contours. Keys: up/down or +/-
 *  change the overlay opacity (also a slider), c toggles the contours, f the fill, q quits. With
 *  `screenshot`, the first frame is written to that PNG and the window closes (for tests and
 *  documentation). */
void
ShowInteractiveView(const OverlayScene & scene, const std::string & screenshot = "");


} // namespace sinus

#endif
