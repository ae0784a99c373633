# SPDX-License-Identifier: Apache-2.0
# Project-owned replacement for the parts of ITKModuleExternal.cmake that a remote module needs.
#
# Upstream ITK never installs ITKModuleExternal.cmake, so a module cannot be built against an
# installed ITK (Debian's libinsighttoolkit5-dev) with the usual `include(ITKModuleExternal)`.
# This file keeps the template's structure -- itk-module.cmake, itk_module_test(),
# CreateTestDriver(), CreateGoogleTestDriver(), itk_add_test() -- on top of find_package(ITK).

include_guard(GLOBAL)

# itk_module(<name> DEPENDS ... PRIVATE_DEPENDS ... TEST_DEPENDS ... DESCRIPTION ...)
# Records the lists as <name>_DEPENDS, <name>_PRIVATE_DEPENDS, ... and <name>_ALL_DEPENDS.
macro(itk_module _name)
  cmake_parse_arguments(_itkmod "EXCLUDE_FROM_DEFAULT;ENABLE_SHARED"
    "DESCRIPTION" "DEPENDS;COMPILE_DEPENDS;PRIVATE_DEPENDS;TEST_DEPENDS;FACTORY_NAMES" ${ARGN})
  set(itk-module ${_name})
  set(${_name}_DEPENDS ${_itkmod_DEPENDS})
  set(${_name}_COMPILE_DEPENDS ${_itkmod_COMPILE_DEPENDS})
  set(${_name}_PRIVATE_DEPENDS ${_itkmod_PRIVATE_DEPENDS})
  set(${_name}_TEST_DEPENDS ${_itkmod_TEST_DEPENDS})
  set(${_name}_ALL_DEPENDS ${_itkmod_DEPENDS} ${_itkmod_COMPILE_DEPENDS} ${_itkmod_PRIVATE_DEPENDS})
endmacro()

# Reads itk-module.cmake from the source tree.
macro(sinusseg_load_module_descriptor)
  include("${PROJECT_SOURCE_DIR}/itk-module.cmake")
endmacro()

# itk_module_test(): called from test/CMakeLists.txt; sets <module>-Test_LIBRARIES to the module
# library, the libraries of its TEST_DEPENDS, and everything the module itself links.
macro(itk_module_test)
  set(itk-module-test ${itk-module}-Test)
  set(${itk-module-test}_LIBRARIES ${itk-module} ${ITK_LIBRARIES})
endmacro()

# CreateTestDriver(<kit> <libraries> <test sources>): one executable <kit>TestDriver holding every
# test, dispatched by name, with ITK's test-driver preamble (--compare, --redirectOutput, ...).
function(CreateTestDriver KIT KIT_LIBS KitTests)
  set(ADDITIONAL_SRC ${ARGN})
  set(CMAKE_TESTDRIVER_BEFORE_TESTMAIN "#include \"itkTestDriverBeforeTest.inc\"")
  set(CMAKE_TESTDRIVER_AFTER_TESTMAIN "#include \"itkTestDriverAfterTest.inc\"")
  create_test_sourcelist(Tests ${KIT}TestDriver.cxx ${KitTests}
    EXTRA_INCLUDE itkTestDriverIncludeRequiredIOFactories.h
    FUNCTION ProcessArgumentsAndRegisterRequiredFactories)
  add_executable(${KIT}TestDriver ${KIT}TestDriver.cxx ${Tests} ${ADDITIONAL_SRC})
  target_link_libraries(${KIT}TestDriver PRIVATE ${KIT_LIBS})
  sinusseg_set_warnings(${KIT}TestDriver)
  # The generated driver is not our code: keep -Wextra for our tests only.
  set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/${KIT}TestDriver.cxx
    PROPERTIES COMPILE_OPTIONS "-Wno-unused-parameter;-Wno-missing-field-initializers")
endfunction()

# CreateGoogleTestDriver(<kit> <libraries> <test sources>): one GoogleTest executable
# <kit>GTestDriver; every TEST() becomes its own CTest test.
function(CreateGoogleTestDriver KIT KIT_LIBS KitTests)
  find_package(GTest REQUIRED)
  include(GoogleTest)
  add_executable(${KIT}GTestDriver ${KitTests})
  target_link_libraries(${KIT}GTestDriver PRIVATE ${KIT_LIBS} GTest::gtest GTest::gtest_main)
  sinusseg_set_warnings(${KIT}GTestDriver)
  gtest_discover_tests(${KIT}GTestDriver
    DISCOVERY_TIMEOUT 120
    PROPERTIES LABELS "${KIT};gtest" ENVIRONMENT "SINUSSEG_SHARED_DIR=${SINUSSEG_SHARED_DIR}")
endfunction()

# itk_add_test(NAME <name> COMMAND <exe> <args>...): ITK's signature. ITK resolves DATA{}
# through ExternalData; this project keeps its test data generated or under ../shared, so the
# arguments are passed through unchanged.
function(itk_add_test)
  cmake_parse_arguments(_t "" "NAME" "COMMAND" ${ARGN})
  if(NOT _t_NAME OR NOT _t_COMMAND)
    message(FATAL_ERROR "itk_add_test needs NAME and COMMAND")
  endif()
  add_test(NAME ${_t_NAME} COMMAND ${_t_COMMAND})
  set_property(TEST ${_t_NAME} APPEND PROPERTY LABELS "${itk-module};itk")
  set_property(TEST ${_t_NAME} APPEND PROPERTY ENVIRONMENT "SINUSSEG_SHARED_DIR=${SINUSSEG_SHARED_DIR}")
endfunction()
