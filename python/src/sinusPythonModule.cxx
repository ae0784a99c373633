// SPDX-License-Identifier: Apache-2.0
// The `sinusseg` Python module: the SinusSeg engine without the command line.
#include "sinusPythonBindings.h"

#include <itkMacro.h>

#include <stdexcept>

namespace sinus::python
{

pybind11::object
ToPython(const std::string & json)
{
  return pybind11::module_::import("json").attr("loads")(json);
}

void
RegisterErrors()
{
  // The command line prints what() of these; Python raises them with the same text.
  pybind11::register_local_exception_translator([](std::exception_ptr error) {
    try
    {
      if (error)
        std::rethrow_exception(error);
    }
    catch (const itk::ExceptionObject & e)
    {
      PyErr_SetString(PyExc_RuntimeError, e.GetDescription());
    }
    catch (const std::invalid_argument & e)
    {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
    catch (const std::out_of_range & e)
    {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
}

} // namespace sinus::python

PYBIND11_MODULE(_sinusseg, module)
{
  module.doc() = "SinusSeg: maxillary-sinus segmentation of panoramic radiographs (the engine of the sinusseg command)";
  sinus::python::RegisterErrors();
  sinus::python::RegisterModel(module);
  sinus::python::RegisterMetrics(module);
  sinus::python::RegisterImages(module);
  sinus::python::RegisterViaImport(module);
  sinus::python::RegisterTraining(module);
  sinus::python::RegisterSuggestions(module);
}
