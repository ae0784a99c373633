# SPDX-License-Identifier: Apache-2.0
# ITK module descriptor for SinusSegmentation (ITK remote-module convention).
# Read by the top-level CMakeLists.txt through CMake/SinusSegmentationModuleSupport.cmake,
# because Debian's ITK 5.2 does not install ITKModuleExternal.cmake.
get_filename_component(MY_CURRENT_DIR "${CMAKE_CURRENT_LIST_FILE}" PATH)
file(READ "${MY_CURRENT_DIR}/README.md" DOCUMENTATION)

itk_module(SinusSegmentation
  DEPENDS
    ITKCommon
    ITKIOImageBase
  PRIVATE_DEPENDS
    ITKIOPNG
    ITKIOJPEG
    ITKIOTIFF
    ITKIOBMP
    ITKIOGDCM
    ITKIONRRD
    ITKIOMeta
    ITKIONIFTI
    ITKVTK
  TEST_DEPENDS
    ITKTestKernel
    ITKConnectedComponents
    ITKThresholding
    ITKMathematicalMorphology
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
  ENABLE_SHARED
)
