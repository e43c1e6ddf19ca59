#pragma once
// e^x without a libm call, so that loops over it vectorize: x = n·ln 2 + r with |r| ≤ ln 2 / 2,
// e^r by the polynomial of Cephes' expf, 2^n put into the exponent bits. Within 1 ulp of
// std::exp where the result is a normal float; 0 below -87.33 (where e^x would be subnormal),
// +inf above 88.72, NaN for NaN.

#include <cstdint>
#include <cstring>

namespace huiyan::nn::kernels {

inline float exp_fast(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2High = 0.693359375f;  // ln 2 split so that n · kLn2High is exact
  constexpr float kLn2Low = -2.12194440e-4f;
  constexpr float kMin = -87.33654f;
  constexpr float kMax = 88.72283f;
  const float clamped = x < kMin ? kMin : (x > kMax ? kMax : x);
  // Round to nearest by the 1.5·2^23 trick: no call, no mode dependence beyond the default.
  constexpr float kShift = 12582912.0f;
  const float n = (clamped * kLog2e + kShift) - kShift;
  const float r = clamped - n * kLn2High - n * kLn2Low;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // 2^n for n in [-126, 128]: at n = 128 split as 2 · 2^127 so the exponent stays in range.
  const int32_t e = static_cast<int32_t>(n);
  const int32_t half = e >> 1;
  const uint32_t bits_a = static_cast<uint32_t>(half + 127) << 23;
  const uint32_t bits_b = static_cast<uint32_t>(e - half + 127) << 23;
  float scale_a;
  float scale_b;
  std::memcpy(&scale_a, &bits_a, sizeof scale_a);
  std::memcpy(&scale_b, &bits_b, sizeof scale_b);
  // Selects, not branches, so that loops calling this vectorize.
  float result = p * scale_a * scale_b;
  result = x < kMin ? 0.0f : result;
  result = x > kMax ? __builtin_inff() : result;
  return x != x ? x : result;
}

}  // namespace huiyan::nn::kernels
