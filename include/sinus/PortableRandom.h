// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PortableRandom_h
#define sinus_PortableRandom_h

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace sinus
{

/** Portable randomness: SplitMix64 draws and a stateless hash, so generated data and training
 *  order do not depend on the standard library's distributions, the platform or threading. */
inline uint64_t
SplitMix64(uint64_t x)
{
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/** A uniform value in [0, 1) that depends only on (seed, a, b): per-pixel noise without state. */
inline double
HashUniform(uint64_t seed, int64_t a, int64_t b)
{
  const uint64_t h = SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(a) * 0x632BE59BD9B4E019ull ^
                                                  SplitMix64(static_cast<uint64_t>(b) + 0x8CB92BA72F3D8DD7ull)));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

class PortableRandom
{
public:
  explicit PortableRandom(uint64_t seed)
    : m_State(SplitMix64(seed ^ 0x5EED5EED5EED5EEDull))
  {}
  uint64_t Next()
  {
    m_State += 0x9E3779B97F4A7C15ull;
    return SplitMix64(m_State);
  }
  double  Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double  Uniform(double a, double b) { return a + (b - a) * Uniform(); }
  int64_t Integer(int64_t n) { return static_cast<int64_t>(Uniform() * static_cast<double>(n)); } ///< in [0, n)
  double  Normal(double mean, double sd)
  {
    const double u1 = std::max(Uniform(), 1e-300);
    const double u2 = Uniform();
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }
  bool Chance(double p) { return Uniform() < p; }

  /** Fisher-Yates shuffle driven by this generator. */
  template <typename T>
  void Shuffle(T & items)
  {
    for (int64_t i = static_cast<int64_t>(items.size()) - 1; i > 0; --i)
      std::swap(items[static_cast<size_t>(i)], items[static_cast<size_t>(Integer(i + 1))]);
  }

private:
  uint64_t m_State;
};

} // namespace sinus

#endif
