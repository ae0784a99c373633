// SPDX-License-Identifier: Apache-2.0
#include "sinus/MeanTeacher.h"

#include "sinus/Losses.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sinus
{

double
MeanTeacherDecay(double decay, int64_t step)
{
  return std::min(1.0 - 1.0 / static_cast<double>(step + 1), decay);
}

namespace
{
void
CheckSameTensors(const torch::OrderedDict<std::string, torch::Tensor> & teacher, const torch::OrderedDict<std::string, torch::Tensor> & student,
                 const char * what)
{
  if (teacher.size() != student.size())
    throw std::invalid_argument(std::string("Mean Teacher: the teacher has ") + std::to_string(teacher.size()) + " " + what +
                                ", the student " + std::to_string(student.size()));
  for (size_t i = 0; i < teacher.size(); ++i)
    if (teacher[i].key() != student[i].key() || !teacher[i].value().sizes().equals(student[i].value().sizes()))
      throw std::invalid_argument(std::string("Mean Teacher: ") + what + " " + std::to_string(i) + " differ: teacher " + teacher[i].key() +
                                  ", student " + student[i].key());
}
} // namespace

void
UpdateMeanTeacher(torch::nn::Module & teacher, const torch::nn::Module & student, double decay)
{
  const auto teacherParameters = teacher.named_parameters(), studentParameters = student.named_parameters();
  const auto teacherBuffers = teacher.named_buffers(), studentBuffers = student.named_buffers();
  CheckSameTensors(teacherParameters, studentParameters, "parameters");
  CheckSameTensors(teacherBuffers, studentBuffers, "buffers");
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < teacherParameters.size(); ++i)
    teacherParameters[i].value().mul_(decay).add_(studentParameters[i].value(), 1.0 - decay);
  for (size_t i = 0; i < teacherBuffers.size(); ++i)
    teacherBuffers[i].value().copy_(studentBuffers[i].value());
}

torch::Tensor
ProbabilityConsistencyLoss(const torch::Tensor & studentLogits, const torch::Tensor & teacherLogits)
{
  return (torch::sigmoid(Float32Logits(studentLogits)) - torch::sigmoid(Float32Logits(teacherLogits.detach()))).pow(2).mean();
}

torch::Tensor
AddClampedGaussianNoise(const torch::Tensor & images, double std, double clamp, uint64_t seed)
{
  at::Generator       generator = at::detail::createCPUGenerator(seed);
  const torch::Tensor noise = torch::randn(images.sizes(), generator, torch::TensorOptions().dtype(torch::kFloat32));
  return images + (noise * std).clamp(-clamp, clamp).to(images.device(), images.scalar_type());
}

} // namespace sinus
