// SPDX-License-Identifier: Apache-2.0
#include "sinusTestSupport.h"

#include "sinus/FileUtilities.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <filesystem>
#include <stdexcept>

std::string
SharedDirectory()
{
  const char * fromEnvironment = std::getenv("SINUSSEG_SHARED_DIR");
  return fromEnvironment ? fromEnvironment : SINUSSEG_DEFAULT_SHARED_DIR;
}

std::string
GoldenPath()
{
  return SharedDirectory() + "/reference/golden/tiny_sam_golden.pth";
}

std::string
ScratchDirectory(const std::string & name)
{
  const auto path = std::filesystem::temp_directory_path() /
                    ("sinusseg-test-" + std::to_string(static_cast<long>(::getpid())) + "-" + name);
  sinus::RemoveTree(path);
  std::filesystem::create_directories(path);
  return path.string();
}

CommandResult
RunCommand(const std::string & executable, const std::string & arguments)
{
  CommandResult r;
  FILE *        pipe = popen(("'" + executable + "' " + arguments + " 2>&1").c_str(), "r");
  if (!pipe)
    return r;
  std::array<char, 4096> buffer;
  size_t                 n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    r.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

namespace
{
/** A TCP port on 127.0.0.1 that the kernel considers free now. */
int
FreeLocalPort()
{
  const int socketId = socket(AF_INET, SOCK_STREAM, 0);
  if (socketId < 0)
    throw std::runtime_error("FreeLocalPort: no socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool found = bind(socketId, reinterpret_cast<sockaddr *>(&address), sizeof(address)) == 0 &&
                     getsockname(socketId, reinterpret_cast<sockaddr *>(&address), &length) == 0;
  close(socketId);
  if (!found)
    throw std::runtime_error("FreeLocalPort: the kernel gave no port");
  return ntohs(address.sin_port);
}
} // namespace

std::string
TorchrunOnThisMachine(int processes)
{
  return "torchrun --no_python --redirects 1 --tee 1 --nnodes=1 --rdzv_backend=c10d --rdzv_endpoint=localhost:" +
         std::to_string(FreeLocalPort()) + " --nproc_per_node=" + std::to_string(processes) + " ";
}
